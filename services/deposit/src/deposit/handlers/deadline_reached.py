"""A legal deadline was reached on a pièce (routing owns time): record it, so the tacit procedure it
opens (A22, A23, A24, A25) is accepted from now on. Idempotent: the deadline is a set member."""

from typing import Any

from contracts import DeadlineReached, Envelope
from deposit.bootstrap import DepositContext
from messaging.consumer import PermanentError
from messaging.mongo import in_transaction


async def on_deadline_reached(ctx: DepositContext, envelope: Envelope[Any]) -> None:
    reached: DeadlineReached = envelope.data

    async def work(session) -> None:
        if not await ctx.pieces.add_deadline(reached.piece_id, reached.echeance, session):
            raise PermanentError("piece_inconnue", f"deadline {reached.echeance} for unknown pièce {reached.piece_id}")

    await in_transaction(ctx.client, work)
