"""Deposit of a pièce: read what the decision needs, decide (``deposit_plan``, pure), then store the pièce, its
document and its events in one go, or store nothing."""

import hashlib
import uuid

from contracts import PieceSnapshot, SubmissionReason
from deposit.adapters.idempotency import Reservation, fingerprint_of_digests
from deposit.adapters.pieces import ConcurrentChange, parties_of, submission
from deposit.context import DepositContext, DepositTx
from deposit.domain.errors import Refusal, RefusalKind
from deposit.usecases.archived import archived_piece_refusal
from deposit.usecases.commands import PieceInput, Upload
from deposit.usecases.deposit_plan import (
    DepositFacts,
    DepositPlan,
    DepositRequest,
    dossier_parties,
    follow_change,
    numero_taken,
    plan_deposit,
    previous_already_followed,
    sirets_to_read,
)
from deposit.usecases.idempotent import Answer, once
from deposit.usecases.parse_input import parse_piece
from deposit.usecases.status_events import record_change
from messaging.unit_of_work import AlreadyExists
from readmodel.access import Principal

__all__ = ["Upload", "deposit_piece"]


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
        piece, cadre = parse_piece(raw_piece)
        request = DepositRequest(piece, cadre, document, attachments)
        facts = await _read(ctx, caller, piece)
        now = ctx.clock.now()
        plan = plan_deposit(request, facts, caller, ctx.settings, now, str(uuid.uuid4()), str(uuid.uuid4()))
        try:
            await reservation.run(ctx.uow, 201, plan.body, lambda tx: _store(ctx, tx, plan, request, caller))
        except AlreadyExists:
            raise numero_taken(plan.snapshot) from None
        return Answer(201, plan.body)

    return await once(ctx, f"deposit:{caller.email}", idempotency_key, request_hash, work)


async def _read(ctx: DepositContext, caller: Principal, piece: PieceInput) -> DepositFacts:
    previous: PieceSnapshot | Refusal | None = None
    deadlines = frozenset()
    if piece.piece_precedente_id is not None:
        previous = await _previous(ctx, caller, piece.piece_precedente_id)
        if isinstance(previous, PieceSnapshot):
            deadlines = await ctx.pieces.dossier_deadlines(previous.dossier_id)
    return DepositFacts(previous, deadlines, await ctx.directory.existing(sirets_to_read(piece, previous)))


async def _previous(ctx: DepositContext, caller: Principal, piece_id: str) -> PieceSnapshot | Refusal:
    """The previous pièce as the caller may see it, or why it cannot be filed on."""
    record = await ctx.pieces.read(piece_id)
    if record is None or not caller.can_read(record.parties, record.snapshot.code_service):
        gone = None if record is not None else await archived_piece_refusal(ctx, caller, piece_id, as_previous=True)
        return gone or Refusal(
            "piece_precedente_inconnue",
            "Pièce précédente inconnue",
            f"Aucune pièce {piece_id} visible.",
            RefusalKind.NOT_FOUND,
        )
    return record.snapshot


async def _store(ctx: DepositContext, tx: DepositTx, plan: DepositPlan, request: DepositRequest, caller: Principal):
    snapshot, piece_id = plan.snapshot, plan.snapshot.piece_id
    parties, new_parties = parties_of(snapshot), frozenset()
    if plan.previous is not None:
        # Re-read inside the transaction: of two deposits on the same pièce, exactly one wins.
        fresh = await tx.pieces.read(plan.previous.piece_id)
        assert fresh is not None  # a pièce leaves the active store with its whole dossier, never alone
        deadlines = await tx.pieces.dossier_deadlines(plan.previous.dossier_id)
        try:
            await record_change(ctx, tx, follow_change(plan, fresh.snapshot, deadlines, caller.email))
        except ConcurrentChange:
            raise previous_already_followed(plan.previous.piece_id) from None
        parties, new_parties = dossier_parties(snapshot, fresh.parties)
    document = request.document
    assert document is not None  # the plan checked it
    stored = await tx.documents.put(piece_id, document.filename, document.content_type, document.source)
    stored["attachments"] = [
        await tx.documents.put(piece_id, a.filename, a.content_type, a.source) for a in request.attachments
    ]
    after = ctx.settings.reconcile_after_seconds
    waiting = submission(str(plan.submitted.id), SubmissionReason.DEPOT.value, after)
    await tx.pieces.insert(snapshot, stored, plan.history, parties, new_parties, waiting)
    tx.publish(plan.submitted)
    tx.publish(plan.status)
