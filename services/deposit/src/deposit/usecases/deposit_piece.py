"""Deposit of an initial pièce: validate everything, store the pièce, its document and its events in
one go, or store nothing."""

import hashlib
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from contracts import (
    Cadre,
    PieceSnapshot,
    PieceStatusChanged,
    PieceSubmitted,
    Statut,
    SubmissionReason,
    info,
    make_event,
)
from deposit.adapters.idempotency import Reservation, fingerprint_of_digests
from deposit.adapters.pieces import PARTY_FIELDS, ConcurrentChange, parties_of, snapshot_of, submission
from deposit.context import SOURCE, DepositContext, DepositTx
from deposit.domain import deposit_rules as rules
from deposit.domain.circuit import check_follow, party_field
from deposit.domain.errors import FieldError, Refusal, RefusalKind, field_refusal
from deposit.domain.piece import change_status, initial_history
from deposit.usecases.archived import archived_piece_refusal
from deposit.usecases.commands import PieceInput
from deposit.usecases.idempotent import Answer, once
from deposit.usecases.parse_input import parse_piece
from deposit.usecases.status_events import record_change
from messaging.unit_of_work import AlreadyExists
from readmodel.access import Principal


@dataclass(frozen=True)
class Upload:
    """A file of the request, spooled by the HTTP side: described here (its name already made safe, the type
    it is served with), its bytes read again from ``source`` chunk by chunk when stored."""

    filename: str
    content_type: str
    size: int
    sha256: str  # hex
    head: bytes  # its first bytes: the PDF signature
    source: BinaryIO


def _check_document(settings, document: Upload | None) -> None:
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


def check_attachments(settings, attachments: list[Upload]) -> None:
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


def check_total(settings, files: list[Upload]) -> None:
    """What one transaction stores: at most ``max_deposit_bytes`` (see the settings)."""
    total = sum(f.size for f in files)
    if total > settings.max_deposit_bytes:
        raise Refusal(
            "depot_trop_volumineux",
            "Dépôt trop volumineux",
            f"Les fichiers de la requête totalisent {total} octets ; le maximum est {settings.max_deposit_bytes}.",
            RefusalKind.TOO_LARGE,
        )


_INHERITED = ("fournisseur", "valideur", "moe", "moa", "numero_marche")
_OVERRIDABLE = ("destinataire", "code_service", "numero_engagement")


def _merge_with_previous(piece: PieceInput, previous: PieceSnapshot | None) -> dict:
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


async def check_parties(ctx: DepositContext, parties: dict, named: Collection[str] | None = None) -> None:
    """The parties are known, active structures; those the pièce names now (``named``, default: all) may play
    their role by their parameters (``deposit_rules.structure_errors``)."""
    present = {field: parties[field] for field in PARTY_FIELDS if parties.get(field)}
    known = await ctx.directory.existing(set(present.values()))
    errors = rules.structure_errors(present, known, present.keys() if named is None else named)
    if errors:
        raise field_refusal(errors, "Structure inconnue, inactive ou non autorisée dans ce rôle", "structure_invalide")


def _validate(piece: PieceInput, cadre: Cadre, parties: dict, today: date) -> PieceInput:
    a_payer = piece.montant_a_payer if piece.montant_a_payer is not None else piece.montant_ttc
    errors = (
        rules.amount_errors(piece.montant_ht, piece.montant_tva, piece.montant_ttc, a_payer)
        + rules.vat_errors(piece.type_tva, piece.montant_tva)
        + rules.currency_errors(piece.devise)
        + rules.date_errors(piece.date_piece, today)
        + rules.parties_errors(cadre, parties)
    )
    if errors:
        raise field_refusal(errors, "Pièce invalide", "piece_invalide")
    return piece.model_copy(update={"montant_a_payer": a_payer})


async def _previous(ctx: DepositContext, caller: Principal, piece_id: str) -> PieceSnapshot:
    record = await ctx.pieces.get(piece_id)
    if record is None or not caller.can_read(record["parties"], record.get("code_service")):
        gone = None if record is not None else await archived_piece_refusal(ctx, caller, piece_id, as_previous=True)
        raise gone or Refusal(
            "piece_precedente_inconnue",
            "Pièce précédente inconnue",
            f"Aucune pièce {piece_id} visible.",
            RefusalKind.NOT_FOUND,
        )
    return snapshot_of(record)


def _check_depositor(caller: Principal, cadre: Cadre, parties: dict) -> str:
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


async def deposit_piece(
    ctx: DepositContext,
    caller: Principal,
    raw_piece: str | None,
    document: Upload | None,
    attachments: list[Upload],
    idempotency_key: str | None,
) -> Answer:
    request_hash = fingerprint_of_digests(
        hashlib.sha256((raw_piece or "").encode()).digest(),
        *(bytes.fromhex(u.sha256) for u in ([document, *attachments] if document else attachments)),
    )

    async def work(reservation: Reservation) -> Answer:
        return await _deposit(ctx, caller, raw_piece, document, attachments, reservation)

    return await once(ctx, f"deposit:{caller.email}", idempotency_key, request_hash, work)


async def _deposit(
    ctx: DepositContext,
    caller: Principal,
    raw_piece: str | None,
    document: Upload | None,
    attachments: list[Upload],
    reservation: Reservation,
) -> Answer:
    piece, cadre = parse_piece(raw_piece)
    following = piece.piece_precedente_id is not None
    rules.check_cadre(cadre, following)
    previous = None
    if following:
        previous = await _previous(ctx, caller, piece.piece_precedente_id)
        check_follow(previous, cadre, await ctx.pieces.dossier_deadlines(previous.dossier_id))
    parties = _merge_with_previous(piece, previous)
    now = ctx.clock.now()
    piece = _validate(piece, cadre, parties, now.date())
    emetteur = _check_depositor(caller, cadre, parties)
    _check_document(ctx.settings, document)
    check_attachments(ctx.settings, attachments)
    check_total(ctx.settings, [document, *attachments])
    await check_parties(ctx, parties, rules.newly_named(parties, previous))

    piece_id = str(uuid.uuid4())
    dossier_id = previous.dossier_id if previous else str(uuid.uuid4())
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
    assert document is not None  # checked above
    body = {
        "piece_id": piece_id,
        "dossier_id": dossier_id,
        "statut": Statut.DEPOSEE.value,
        "links": {
            "piece": {"href": f"/v1/pieces/{piece_id}"},
            "dossier": {"href": f"/v1/dossiers/{dossier_id}"},
            "document": {"href": f"/v1/pieces/{piece_id}/document"},
        },
    }

    async def store(tx: DepositTx) -> None:
        parties_now, new_parties = parties_of(snapshot), frozenset()
        if previous is not None:
            # Re-read inside the transaction: of two deposits on the same pièce, exactly one wins.
            fresh = await tx.pieces.get(previous.piece_id)
            rule = check_follow(snapshot_of(fresh), cadre, await tx.pieces.dossier_deadlines(previous.dossier_id))
            change = change_status(
                snapshot_of(fresh),
                rule.previous_becomes,
                now,
                action="deposer_piece_suivante",
                par=caller.email,
                comment=f"{cadre} {piece.numero} déposée sur cette pièce",
            )
            try:
                await record_change(ctx, tx, change)
            except ConcurrentChange:
                raise Refusal(
                    "piece_precedente_deja_suivie",
                    "Pièce précédente déjà suivie",
                    f"La pièce {previous.piece_id} vient de recevoir une autre pièce suivante.",
                    RefusalKind.CONFLICT,
                ) from None
            new_parties = frozenset(parties_now - set(fresh["parties"]))
            parties_now |= set(fresh["parties"])
        stored = await tx.documents.put(piece_id, document.filename, document.content_type, document.source)
        stored["attachments"] = [
            await tx.documents.put(piece_id, a.filename, a.content_type, a.source) for a in attachments
        ]
        submitted = make_event(PieceSubmitted(piece=snapshot), source=SOURCE, subject=dossier_id)
        waiting = submission(str(submitted.id), SubmissionReason.DEPOT.value, ctx.settings.reconcile_after_seconds)
        history = initial_history(now, caller.email)
        await tx.pieces.insert(snapshot, stored, history, parties_now, new_parties, waiting)
        tx.publish(submitted)
        status = PieceStatusChanged(
            previous_statut=None, statut=Statut.DEPOSEE, changed_at=now, piece=snapshot, action="deposer"
        )
        tx.publish(make_event(status, source=SOURCE, subject=dossier_id))

    try:
        await reservation.run(ctx.uow, 201, body, store)
    except AlreadyExists:
        raise Refusal(
            "numero_deja_utilise",
            "Numéro déjà utilisé",
            f"Le fournisseur {snapshot.fournisseur} a déjà une pièce numéro « {piece.numero} » dans ses dossiers.",
            RefusalKind.CONFLICT,
            [FieldError("numero", "numero_deja_utilise", "numéro déjà utilisé pour ce fournisseur")],
        ) from None
    return Answer(201, body)
