"""Actions on a pièce (refuser, suspendre, compléter, recycler, rejeter, traiter, valider,
refuser la validation): checked against the circuit's state machine and the caller's habilitations,
then applied with their events in one transaction."""

import hashlib
from dataclasses import dataclass, field

from contracts import PieceSnapshot, Statut, SubmissionReason
from deposit.adapters.idempotency import Reservation, fingerprint_of_digests
from deposit.adapters.pieces import ConcurrentChange, snapshot_of
from deposit.context import DepositContext, DepositTx
from deposit.domain import circuit
from deposit.domain.circuit import Action
from deposit.domain.errors import Refusal, RefusalKind
from deposit.domain.piece import change_status
from deposit.usecases.archived import archived_piece_refusal
from deposit.usecases.deposit_piece import Upload, check_attachments, check_parties, check_total
from deposit.usecases.idempotent import Answer, once
from deposit.usecases.status_events import record_change
from readmodel.access import Principal
from readmodel.visibility import as_seen_by

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


async def visible_piece(ctx: DepositContext, caller: Principal, piece_id: str) -> dict:
    """The pièce's record when the caller may see it; 410 if it moved to the archive; 404 otherwise (not
    403: its existence stays private)."""
    record = await ctx.pieces.get(piece_id)
    if record is None or not caller.can_read(record["parties"], record.get("code_service")):
        gone = None if record is not None else await archived_piece_refusal(ctx, caller, piece_id)
        raise gone or Refusal(
            "piece_inconnue", "Pièce inconnue", f"Aucune pièce {piece_id} visible.", RefusalKind.NOT_FOUND
        )
    return record


def _request_hash(piece_id: str, request: ActionRequest) -> str:
    described = repr(
        (piece_id, request.action, request.motif, request.commentaire, request.statut, sorted(request.changes.items()))
    )
    return fingerprint_of_digests(
        hashlib.sha256(described.encode()).digest(), *(bytes.fromhex(a.sha256) for a in request.attachments)
    )


async def _recycling_updates(ctx: DepositContext, piece, changes: dict[str, str | None]) -> dict[str, str]:
    updates = {k: v for k, v in changes.items() if k in RECYCLABLE_FIELDS and v and v != getattr(piece, k)}
    if not updates:
        raise Refusal(
            "recyclage_sans_changement",
            "Recyclage sans changement",
            "Recycler, c'est corriger une donnée d'acheminement : destinataire, code service, numéro d'engagement "
            "ou MOA. Aucune ne change.",
        )
    named = [k for k in updates if k in ("destinataire", "moa")]
    # the pièce's MOA (or the new one) is the context of a new destinataire
    await check_parties(ctx, {"moa": piece.moa, **{k: updates[k] for k in named}}, named)
    return updates


async def _hides_mise_en_paiement(ctx: DepositContext, piece: PieceSnapshot, target: Statut) -> bool:
    """Whether the pièce's destinataire hides the mise en paiement from the fournisseur, read now and recorded
    on the pièce (a later change of the parameter does not rewrite what was shown)."""
    if target is not Statut.MISE_EN_PAIEMENT or not piece.destinataire:
        return False
    destinataire = await ctx.directory.get(piece.destinataire)
    return destinataire is not None and destinataire.mise_en_paiement_masquee


async def act_on_piece(
    ctx: DepositContext, caller: Principal, piece_id: str, request: ActionRequest, idempotency_key: str | None
) -> Answer:
    async def work(reservation: Reservation) -> Answer:
        return await _act(ctx, caller, piece_id, request, reservation)

    return await once(ctx, f"action:{caller.email}", idempotency_key, _request_hash(piece_id, request), work)


async def _act(
    ctx: DepositContext, caller: Principal, piece_id: str, request: ActionRequest, reservation: Reservation
) -> Answer:
    # as the caller is shown it: a 409 names the status it sees (readmodel.visibility)
    record = as_seen_by(caller, await visible_piece(ctx, caller, piece_id))
    piece = snapshot_of(record)
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
        updates = await _recycling_updates(ctx, piece, request.changes)
    if request.action is Action.COMPLETER:
        if not request.attachments:
            raise Refusal(
                "pieces_jointes_requises",
                "Pièces jointes requises",
                "Compléter une pièce suspendue, c'est y joindre les pièces jointes demandées (partie « attachments »).",
            )
        check_attachments(ctx.settings, request.attachments)
        check_total(ctx.settings, request.attachments)

    now = ctx.clock.now()
    change = change_status(
        piece,
        transition.target,
        now,
        comment=request.commentaire,
        action=request.action.value,
        motif=motif,
        par=caller.email,
        updates=updates,
        hidden_from_supplier=await _hides_mise_en_paiement(ctx, piece, transition.target),
    )
    body = {
        "piece_id": piece.piece_id,
        "dossier_id": piece.dossier_id,
        "action": request.action.value,
        "statut_precedent": piece.statut.value,
        "statut": transition.target.value,
        "links": {"piece": {"href": f"/v1/pieces/{piece.piece_id}"}},
    }

    async def store(tx: DepositTx) -> None:
        try:
            await record_change(
                ctx, tx, change, resubmit=_RESUBMIT_REASON.get(request.action) if transition.resubmit else None
            )
        except ConcurrentChange:
            raise Refusal(
                "piece_modifiee",
                "Pièce modifiée entre-temps",
                f"La pièce {piece.piece_id} a changé de statut pendant la requête ; consultez-la et recommencez.",
                RefusalKind.CONFLICT,
            ) from None
        if request.attachments:
            stored = [
                await tx.documents.put(piece.piece_id, a.filename, a.content_type, a.source)
                for a in request.attachments
            ]
            await tx.pieces.add_attachments(piece.piece_id, stored)

    await reservation.run(ctx.uow, 200, body, store)
    return Answer(200, body)
