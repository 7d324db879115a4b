"""An action on a pièce, decided: a pure function of the pièce as the caller sees it, the request and what was
read of the directory, that gives the status change to store (with the attachments and whether the pièce goes
back to routing), or the refusal. ``act_on_piece`` reads, calls it, and stores the plan."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts import PieceSnapshot, Statut, Structure, SubmissionReason
from deposit.domain import circuit
from deposit.domain.circuit import Action
from deposit.domain.errors import Refusal, RefusalKind
from deposit.domain.piece import StatusChange, change_status
from deposit.settings import DepositSettings
from deposit.usecases.commands import Upload
from deposit.usecases.deposit_plan import check_attachments, check_parties, check_total
from readmodel.access import Principal

RECYCLABLE_FIELDS = ("destinataire", "code_service", "numero_engagement", "moa")

_RESUBMIT_REASON = {
    Action.COMPLETER: SubmissionReason.COMPLETION,
    Action.RECYCLER: SubmissionReason.RECYCLAGE,
    Action.VALIDER: SubmissionReason.VALIDATION,
    Action.REFUSER_VALIDATION: SubmissionReason.VALIDATION,
}


@dataclass(frozen=True)
class ActionRequest:
    action: Action
    motif: str | None = None
    commentaire: str | None = None
    statut: Statut | None = None  # traiter: the status the service financier sets
    changes: dict[str, str | None] = field(default_factory=dict)  # recycler: new routing data
    attachments: list[Upload] = field(default_factory=list)  # compléter


@dataclass(frozen=True)
class ActionFacts:
    """What the action was decided on, read from the directory before."""

    known: Mapping[str, Structure] = field(default_factory=dict)  # the structures a recycling names
    destinataire: Structure | None = None  # the pièce's destinataire, when the action may put it in payment


@dataclass(frozen=True)
class ActionPlan:
    change: StatusChange
    resubmit: SubmissionReason | None  # the pièce goes back to routing, for this reason
    attachments: list[Upload]
    body: dict[str, Any]


def recycling_updates(piece: PieceSnapshot, changes: Mapping[str, str | None]) -> dict[str, str]:
    """What a recycling changes: the routing data it gives that differ from the pièce's."""
    return {k: v for k, v in changes.items() if k in RECYCLABLE_FIELDS and v and v != getattr(piece, k)}


def recycled_parties(piece: PieceSnapshot, updates: Mapping[str, str]) -> dict[str, str | None]:
    """The parties a recycling names anew, with the pièce's MOA (or the new one): a new destinataire's context."""
    return {"moa": piece.moa, **{k: updates[k] for k in updates if k in ("destinataire", "moa")}}


def may_put_in_payment(request: ActionRequest) -> bool:
    """Whether the action may set MISE_EN_PAIEMENT, for which the destinataire's parameters are read."""
    return request.action is Action.TRAITER


def plan_action(
    piece: PieceSnapshot,
    request: ActionRequest,
    facts: ActionFacts,
    caller: Principal,
    settings: DepositSettings,
    now: datetime,
) -> ActionPlan:
    """The change ``request`` makes on ``piece`` (as the caller is shown it: a 409 names the status it sees),
    or the first refusal, in the order the rules are checked."""
    transition = circuit.transition_for(piece, request.action, request.statut)
    role = circuit.actor_role(transition, piece)
    siret = getattr(piece, circuit.party_field(role))
    if not caller.can_act(siret, piece.code_service):
        raise Refusal(
            "action_reservee",
            "Action réservée",
            f"« {request.action.value} » sur ce {piece.cadre} revient au rôle {role.value} ({siret}), "
            "avec le profil MODIFICATION sur cette structure.",
            RefusalKind.FORBIDDEN,
        )
    motif = circuit.check_motif(transition, request.motif, request.commentaire)
    updates = {}
    if request.action is Action.RECYCLER:
        updates = recycling_updates(piece, request.changes)
        if not updates:
            raise Refusal(
                "recyclage_sans_changement",
                "Recyclage sans changement",
                "Recycler, c'est corriger une donnée d'acheminement : destinataire, code service, numéro "
                "d'engagement ou MOA. Aucune ne change.",
            )
        named = [k for k in updates if k in ("destinataire", "moa")]
        check_parties(recycled_parties(piece, updates), facts.known, named)
    if request.action is Action.COMPLETER:
        if not request.attachments:
            raise Refusal(
                "pieces_jointes_requises",
                "Pièces jointes requises",
                "Compléter une pièce suspendue, c'est y joindre les pièces jointes demandées (partie « attachments »).",
            )
        check_attachments(settings, request.attachments)
        check_total(settings, request.attachments)
    # the destinataire's parameter is read now and recorded on the pièce (a later change of the parameter
    # does not rewrite what was shown)
    hidden = (
        transition.target is Statut.MISE_EN_PAIEMENT
        and bool(piece.destinataire)
        and facts.destinataire is not None
        and facts.destinataire.mise_en_paiement_masquee
    )
    change = change_status(
        piece,
        transition.target,
        now,
        comment=request.commentaire,
        action=request.action.value,
        motif=motif,
        par=caller.email,
        updates=updates,
        hidden_from_supplier=hidden,
    )
    return ActionPlan(
        change=change,
        resubmit=_RESUBMIT_REASON.get(request.action) if transition.resubmit else None,
        attachments=request.attachments,
        body={
            "piece_id": piece.piece_id,
            "dossier_id": piece.dossier_id,
            "action": request.action.value,
            "statut_precedent": piece.statut.value,
            "statut": transition.target.value,
            "links": {"piece": {"href": f"/v1/pieces/{piece.piece_id}"}},
        },
    )


def piece_changed(piece_id: str) -> Refusal:
    return Refusal(
        "piece_modifiee",
        "Pièce modifiée entre-temps",
        f"La pièce {piece_id} a changé de statut pendant la requête ; consultez-la et recommencez.",
        RefusalKind.CONFLICT,
    )
