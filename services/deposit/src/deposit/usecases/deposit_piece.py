"""Deposit of an initial pièce: validate everything, store the pièce, its document and its events in
one go, or store nothing."""

import uuid
from dataclasses import dataclass
from datetime import date

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from contracts import (
    PieceSnapshot,
    PieceStatusChanged,
    PieceSubmitted,
    Statut,
    make_event,
    utcnow,
)
from deposit.adapters.idempotency import fingerprint
from deposit.api.models import PieceInput
from deposit.bootstrap import SOURCE, DepositContext
from deposit.domain import deposit_rules as rules
from deposit.domain.errors import FieldError, Refusal
from deposit.domain.piece import initial_history
from deposit.usecases.parse_input import parse_piece
from messaging.mongo import in_transaction
from messaging.problems import field_problem


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    replayed: bool = False


def _check_files(ctx: DepositContext, document: Upload | None, attachments: list[Upload]) -> None:
    settings = ctx.settings
    if document is None or not document.content:
        raise Refusal(
            "document_manquant",
            "Document manquant",
            "La pièce doit être accompagnée de son document PDF (partie « document »).",
        )
    if len(document.content) > settings.max_document_bytes:
        raise Refusal(
            "document_trop_volumineux",
            "Document trop volumineux",
            f"Le document dépasse {settings.max_document_bytes} octets.",
            413,
        )
    if not rules.is_pdf(document.content[:8]):
        raise Refusal(
            "document_non_pdf",
            "Document non PDF",
            "Le document de la pièce doit être un PDF (signature %PDF- absente).",
            415,
        )
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
            422,
            extension_errors,
        )
    for attachment in attachments:
        if len(attachment.content) > settings.max_attachment_bytes:
            raise Refusal(
                "piece_jointe_trop_volumineuse",
                "Pièce jointe trop volumineuse",
                f"« {attachment.filename} » dépasse {settings.max_attachment_bytes} octets.",
                413,
            )


async def _check_parties(ctx: DepositContext, piece: PieceInput) -> None:
    named = {
        role: siret
        for role, siret in (("fournisseur", piece.fournisseur), ("moe", piece.moe), ("moa", piece.moa))
        if siret
    }
    known = await ctx.directory.existing(set(named.values()))
    errors = [
        FieldError(role, "structure_inconnue", f"aucune structure {siret} dans l'annuaire")
        for role, siret in named.items()
        if siret not in known
    ]
    errors += [
        FieldError(role, "structure_inactive", f"la structure {siret} est inactive")
        for role, siret in named.items()
        if siret in known and not known[siret].get("active", True)
    ]
    if errors:
        raise Refusal(
            errors[0].code, "Structure inconnue ou inactive", "; ".join(e.message for e in errors), 422, errors
        )


def _validate(piece: PieceInput, cadre, today: date) -> PieceInput:
    rules.check_cadre(cadre)
    a_payer = piece.montant_a_payer if piece.montant_a_payer is not None else piece.montant_ttc
    errors = (
        rules.amount_errors(piece.montant_ht, piece.montant_tva, piece.montant_ttc, a_payer)
        + rules.vat_errors(piece.type_tva, piece.montant_tva)
        + rules.currency_errors(piece.devise)
        + rules.date_errors(piece.date_piece, today)
        + rules.parties_errors(cadre, piece.moe)
    )
    if errors:
        raise field_problem(errors, "Pièce invalide", "piece_invalide")
    return piece.model_copy(update={"montant_a_payer": a_payer})


async def deposit_piece(
    ctx: DepositContext,
    raw_piece: str | None,
    document: Upload | None,
    attachments: list[Upload],
    idempotency_key: str | None,
) -> Answer:
    request_hash = fingerprint(
        (raw_piece or "").encode(),
        *(u.content for u in ([document] if document else [])),
        *(a.content for a in attachments),
    )
    if idempotency_key:
        earlier = await ctx.idempotency.find("deposit", idempotency_key)
        if earlier is not None:
            return _replay(earlier, request_hash)

    piece, cadre = parse_piece(raw_piece)
    now = utcnow()
    piece = _validate(piece, cadre, now.date())
    _check_files(ctx, document, attachments)
    await _check_parties(ctx, piece)

    piece_id, dossier_id = str(uuid.uuid4()), str(uuid.uuid4())
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
        fournisseur=piece.fournisseur,
        moe=piece.moe,
        moa=piece.moa,
        numero_marche=piece.numero_marche,
        numero_engagement=piece.numero_engagement,
        code_service=piece.code_service,
        deposee_le=now,
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

    async def store(session: AsyncClientSession) -> None:
        stored = await ctx.documents.put(piece_id, document.filename, document.content_type, document.content, session)
        stored["attachments"] = [
            await ctx.documents.put(piece_id, a.filename, a.content_type, a.content, session) for a in attachments
        ]
        await ctx.pieces.insert_new_dossier(snapshot, stored, initial_history(now), session)
        await ctx.outbox.add(make_event(PieceSubmitted(piece=snapshot), source=SOURCE, subject=dossier_id), session)
        status = PieceStatusChanged(previous_statut=None, statut=Statut.DEPOSEE, changed_at=now, piece=snapshot)
        await ctx.outbox.add(make_event(status, source=SOURCE, subject=dossier_id), session)
        if idempotency_key:
            await ctx.idempotency.record("deposit", idempotency_key, request_hash, 201, body, session)

    try:
        await in_transaction(ctx.client, store)
    except DuplicateKeyError as exc:
        if idempotency_key and "idempotency" in str(exc):
            earlier = await ctx.idempotency.find("deposit", idempotency_key)
            if earlier is not None:
                return _replay(earlier, request_hash)
        raise Refusal(
            "numero_deja_utilise",
            "Numéro déjà utilisé",
            f"Le fournisseur {piece.fournisseur} a déjà déposé une pièce numéro « {piece.numero} ».",
            409,
            [FieldError("numero", "numero_deja_utilise", "numéro déjà utilisé par ce fournisseur")],
        ) from None
    ctx.outbox.notify()
    return Answer(201, body)


def _replay(earlier: dict, request_hash: str) -> Answer:
    if earlier["request_hash"] != request_hash:
        raise Refusal(
            "cle_idempotence_reutilisee",
            "Clé d'idempotence déjà utilisée",
            "Cette clé Idempotency-Key a déjà servi pour une requête différente.",
            422,
        )
    return Answer(earlier["status"], earlier["body"], replayed=True)
