"""Actions on a pièce (refuser, suspendre, compléter, recycler, rejeter, traiter, valider,
refuser la validation): read the pièce and what the decision needs, decide (``action_plan``, pure: the
circuit's state machine and the caller's habilitations), then apply the change with its events in one
transaction."""

import hashlib

from deposit.adapters.idempotency import Reservation, fingerprint_of_digests
from deposit.adapters.pieces import ConcurrentChange, snapshot_of
from deposit.context import DepositContext, DepositTx
from deposit.domain.circuit import Action
from deposit.domain.errors import Refusal, RefusalKind
from deposit.usecases.action_plan import (
    ActionFacts,
    ActionPlan,
    ActionRequest,
    may_put_in_payment,
    piece_changed,
    plan_action,
    recycled_parties,
    recycling_updates,
)
from deposit.usecases.archived import archived_piece_refusal
from deposit.usecases.idempotent import Answer, once
from deposit.usecases.status_events import record_change
from readmodel.access import Principal
from readmodel.visibility import as_seen_by

__all__ = ["ActionRequest", "act_on_piece", "visible_piece"]


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


async def act_on_piece(
    ctx: DepositContext, caller: Principal, piece_id: str, request: ActionRequest, idempotency_key: str | None
) -> Answer:
    async def work(reservation: Reservation) -> Answer:
        # as the caller is shown it: a 409 names the status it sees (readmodel.visibility)
        piece = snapshot_of(as_seen_by(caller, await visible_piece(ctx, caller, piece_id)))
        updates = recycling_updates(piece, request.changes) if request.action is Action.RECYCLER else {}
        recycled = recycled_parties(piece, updates) if updates else {}
        destinataire = piece.destinataire if may_put_in_payment(request) else None
        facts = ActionFacts(
            known=await ctx.directory.existing({s for s in recycled.values() if s}) if recycled else {},
            destinataire=await ctx.directory.get(destinataire) if destinataire else None,
        )
        plan = plan_action(piece, request, facts, caller, ctx.settings, ctx.clock.now())
        await reservation.run(ctx.uow, 200, plan.body, lambda tx: _store(ctx, tx, plan))
        return Answer(200, plan.body)

    return await once(ctx, f"action:{caller.email}", idempotency_key, _request_hash(piece_id, request), work)


async def _store(ctx: DepositContext, tx: DepositTx, plan: ActionPlan) -> None:
    piece_id = plan.change.snapshot.piece_id
    try:
        await record_change(ctx, tx, plan.change, resubmit=plan.resubmit)
    except ConcurrentChange:
        raise piece_changed(piece_id) from None
    if plan.attachments:
        stored = [await tx.documents.put(piece_id, a.filename, a.content_type, a.source) for a in plan.attachments]
        await tx.pieces.add_attachments(piece_id, stored)
