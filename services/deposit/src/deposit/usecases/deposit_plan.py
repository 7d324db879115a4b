"""The deposit of a pièce, decided: a pure function of the request and of what was read before (the previous
pièce, the deadlines reached on its dossier, the directory's structures among the parties) that gives the
pièce to store with its events, or the refusal. ``deposit_piece`` reads, calls it, and stores the plan."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from contracts import (
    Cadre,
    Echeance,
    Envelope,
    PieceSnapshot,
    PieceStatusChanged,
    PieceSubmitted,
    Statut,
    Structure,
    info,
    make_event,
)
from deposit.context import SOURCE
from deposit.domain import deposit_rules as rules
from deposit.domain.circuit import check_follow, party_field
from deposit.domain.errors import FieldError, Refusal, RefusalKind, field_refusal
from deposit.domain.piece import HistoryEntry, StatusChange, change_status, initial_history
from deposit.settings import DepositSettings
from deposit.usecases.commands import PieceInput, Upload
from readmodel.access import Principal

_INHERITED = ("fournisseur", "valideur", "moe", "moa", "numero_marche")
_OVERRIDABLE = ("destinataire", "code_service", "numero_engagement")


@dataclass(frozen=True)
class DepositRequest:
    piece: PieceInput
    cadre: Cadre
    document: Upload | None
    attachments: list[Upload] = field(default_factory=list)


@dataclass(frozen=True)
class DepositFacts:
    """What the deposit was decided on: read before, outside any transaction."""

    previous: PieceSnapshot | Refusal | None = None  # the previous pièce, or why it cannot be filed on
    deadlines: frozenset[Echeance] = frozenset()  # reached on the previous pièce's dossier
    known: Mapping[str, Structure] = field(default_factory=dict)  # the directory's structures among the parties


@dataclass(frozen=True)
class DepositPlan:
    snapshot: PieceSnapshot
    previous: PieceSnapshot | None  # filed on it: it changes status in the same transaction
    history: list[HistoryEntry]
    submitted: Envelope[Any]
    status: Envelope[Any]
    body: dict[str, Any]


def sirets_to_read(piece: PieceInput, previous: PieceSnapshot | Refusal | None) -> set[str]:
    """Every SIRET the pièce may name: its own, and those it may inherit from its previous pièce."""
    named = {getattr(piece, f) for f in rules.PARTY_FIELDS}
    if isinstance(previous, PieceSnapshot):
        named |= {getattr(previous, f) for f in rules.PARTY_FIELDS}
    return {s for s in named if s}


def check_document(settings: DepositSettings, document: Upload | None) -> None:
    if document is None or not document.size:
        raise Refusal(
            "document_manquant",
            "Document manquant",
            "La pièce doit être accompagnée de son document PDF (partie « document »).",
        )
    if document.size > settings.max_document_bytes:
        raise Refusal(
            "document_trop_volumineux",
            "Document trop volumineux",
            f"Le document dépasse {settings.max_document_bytes} octets.",
            RefusalKind.TOO_LARGE,
        )
    if not rules.is_pdf(document.head):
        raise Refusal(
            "document_non_pdf",
            "Document non PDF",
            "Le document de la pièce doit être un PDF (signature %PDF- absente).",
            RefusalKind.UNSUPPORTED_TYPE,
        )


def check_attachments(settings: DepositSettings, attachments: list[Upload]) -> None:
    if len(attachments) > settings.max_attachments:
        raise Refusal(
            "trop_de_pieces_jointes", "Trop de pièces jointes", f"Au plus {settings.max_attachments} pièces jointes."
        )
    extension_errors = rules.attachment_errors([a.filename for a in attachments])
    if extension_errors:
        raise Refusal(
            "piece_jointe_extension_interdite",
            "Extension de pièce jointe non autorisée",
            "; ".join(e.message for e in extension_errors),
            RefusalKind.INVALID,
            extension_errors,
        )
    for attachment in attachments:
        if attachment.size > settings.max_attachment_bytes:
            raise Refusal(
                "piece_jointe_trop_volumineuse",
                "Pièce jointe trop volumineuse",
                f"« {attachment.filename} » dépasse {settings.max_attachment_bytes} octets.",
                RefusalKind.TOO_LARGE,
            )


def check_total(settings: DepositSettings, files: list[Upload]) -> None:
    """What one transaction stores: at most ``max_deposit_bytes`` (see the settings)."""
    total = sum(f.size for f in files)
    if total > settings.max_deposit_bytes:
        raise Refusal(
            "depot_trop_volumineux",
            "Dépôt trop volumineux",
            f"Les fichiers de la requête totalisent {total} octets ; le maximum est {settings.max_deposit_bytes}.",
            RefusalKind.TOO_LARGE,
        )


def check_parties(parties: Mapping[str, str | None], known: Mapping[str, Structure], named: Collection[str]) -> None:
    """The parties are known, active structures; those the pièce names now (``named``) may play their role
    by their parameters (``deposit_rules.structure_errors``)."""
    present = {field: parties[field] for field in rules.PARTY_FIELDS if parties.get(field)}
    errors = rules.structure_errors(present, known, named)
    if errors:
        raise field_refusal(errors, "Structure inconnue, inactive ou non autorisée dans ce rôle", "structure_invalide")


def merge_with_previous(piece: PieceInput, previous: PieceSnapshot | None) -> dict[str, Any]:
    """The pièce's parties and routing data: its own, completed from the previous pièce of the dossier."""
    given = piece.model_dump()
    if previous is None:
        if not piece.fournisseur:
            raise Refusal(
                "fournisseur_requis",
                "Fournisseur requis",
                "Un dépôt initial nomme le fournisseur (titulaire, cotraitant ou sous-traitant) qui dépose.",
                RefusalKind.INVALID,
                [FieldError("fournisseur", "fournisseur_requis", "SIRET du fournisseur requis")],
            )
        return {k: given[k] for k in (*_INHERITED, *_OVERRIDABLE)}
    inherited = previous.model_dump()
    errors = [
        FieldError(name, "partie_incoherente", f"la pièce précédente nomme {inherited[name]}, pas {given[name]}")
        for name in _INHERITED
        if given[name] and inherited[name] and given[name] != inherited[name]
    ]
    if errors:
        raise field_refusal(errors, "Partie différente de celle du dossier", "partie_incoherente")
    merged = {name: given[name] or inherited[name] for name in _INHERITED}
    merged.update({name: given[name] or inherited[name] for name in _OVERRIDABLE})
    return merged


def validated(piece: PieceInput, cadre: Cadre, parties: Mapping[str, str | None], today: date) -> PieceInput:
    a_payer = piece.montant_a_payer if piece.montant_a_payer is not None else piece.montant_ttc
    errors = (
        rules.amount_errors(piece.montant_ht, piece.montant_tva, piece.montant_ttc, a_payer)
        + rules.vat_errors(piece.type_tva, piece.montant_tva)
        + rules.currency_errors(piece.devise)
        + rules.date_errors(piece.date_piece, today)
        + rules.parties_errors(cadre, dict(parties))
    )
    if errors:
        raise field_refusal(errors, "Pièce invalide", "piece_invalide")
    return piece.model_copy(update={"montant_a_payer": a_payer})


def depositor(caller: Principal, cadre: Cadre, parties: Mapping[str, str | None]) -> str:
    """The SIRET the pièce is deposited for: the structure of the cadre's depositor role, on which the caller
    must hold MODIFICATION."""
    role = info(cadre).deposant
    siret = parties.get(party_field(role))
    if not caller.can_act(siret, parties.get("code_service")):
        raise Refusal(
            "habilitation_requise",
            "Habilitation requise",
            f"Un {cadre} est déposé par {role.value} ({siret}) : il faut le profil MODIFICATION sur cette structure.",
            RefusalKind.FORBIDDEN,
        )
    return siret


def plan_deposit(
    request: DepositRequest,
    facts: DepositFacts,
    caller: Principal,
    settings: DepositSettings,
    now: datetime,
    piece_id: str,
    new_dossier_id: str,
) -> DepositPlan:
    """The pièce to store and its events, or the first refusal, in the order the rules are checked."""
    piece, cadre = request.piece, request.cadre
    following = piece.piece_precedente_id is not None
    rules.check_cadre(cadre, following)
    previous = None
    if following:
        if isinstance(facts.previous, Refusal):
            raise facts.previous
        previous = facts.previous
        assert previous is not None  # read for a pièce suivante
        check_follow(previous, cadre, facts.deadlines)
    parties = merge_with_previous(piece, previous)
    piece = validated(piece, cadre, parties, now.date())
    emetteur = depositor(caller, cadre, parties)
    check_document(settings, request.document)
    check_attachments(settings, request.attachments)
    check_total(settings, [request.document, *request.attachments])
    check_parties(parties, facts.known, rules.newly_named(parties, previous))

    dossier_id = previous.dossier_id if previous else new_dossier_id
    snapshot = PieceSnapshot(
        piece_id=piece_id,
        dossier_id=dossier_id,
        numero=piece.numero,
        cadre=cadre,
        statut=Statut.DEPOSEE,
        date_piece=piece.date_piece,
        devise=piece.devise,
        type_tva=piece.type_tva,
        mode_reglement=piece.mode_reglement,
        format_depot=piece.format_depot,
        montant_ht=piece.montant_ht,
        montant_tva=piece.montant_tva,
        montant_ttc=piece.montant_ttc,
        montant_a_payer=piece.montant_a_payer,
        emetteur=emetteur,
        piece_precedente_id=piece.piece_precedente_id,
        deposee_le=now,
        **parties,
    )
    status = PieceStatusChanged(
        previous_statut=None, statut=Statut.DEPOSEE, changed_at=now, piece=snapshot, action="deposer"
    )
    return DepositPlan(
        snapshot=snapshot,
        previous=previous,
        history=initial_history(now, caller.email),
        submitted=make_event(PieceSubmitted(piece=snapshot), source=SOURCE, subject=dossier_id),
        status=make_event(status, source=SOURCE, subject=dossier_id),
        body={
            "piece_id": piece_id,
            "dossier_id": dossier_id,
            "statut": Statut.DEPOSEE.value,
            "links": {
                "piece": {"href": f"/v1/pieces/{piece_id}"},
                "dossier": {"href": f"/v1/dossiers/{dossier_id}"},
                "document": {"href": f"/v1/pieces/{piece_id}/document"},
            },
        },
    )


def follow_change(plan: DepositPlan, fresh: PieceSnapshot, deadlines: frozenset[Echeance], par: str) -> StatusChange:
    """The previous pièce's change, decided again on what the transaction reads of it: of two deposits on the
    same pièce, exactly one wins."""
    snapshot = plan.snapshot
    rule = check_follow(fresh, snapshot.cadre, deadlines)
    return change_status(
        fresh,
        rule.previous_becomes,
        snapshot.deposee_le,
        action="deposer_piece_suivante",
        par=par,
        comment=f"{snapshot.cadre} {snapshot.numero} déposée sur cette pièce",
    )


def dossier_parties(snapshot: PieceSnapshot, before: Collection[str]) -> tuple[set[str], frozenset[str]]:
    """The dossier's parties with the new pièce's (``before``: the previous pièce's), and those it adds."""
    parties = {s for s in (getattr(snapshot, f) for f in rules.PARTY_FIELDS) if s}
    return parties | set(before), frozenset(parties - set(before))


def previous_already_followed(previous_id: str) -> Refusal:
    return Refusal(
        "piece_precedente_deja_suivie",
        "Pièce précédente déjà suivie",
        f"La pièce {previous_id} vient de recevoir une autre pièce suivante.",
        RefusalKind.CONFLICT,
    )


def numero_taken(snapshot: PieceSnapshot) -> Refusal:
    return Refusal(
        "numero_deja_utilise",
        "Numéro déjà utilisé",
        f"Le fournisseur {snapshot.fournisseur} a déjà une pièce numéro « {snapshot.numero} » dans ses dossiers.",
        RefusalKind.CONFLICT,
        [FieldError("numero", "numero_deja_utilise", "numéro déjà utilisé pour ce fournisseur")],
    )
