"""Routing decided: apply the status, append it to the history and announce it on the public stream,
in one transaction with the event id, so a re-delivered decision changes nothing."""

import logging
from typing import Any

from contracts import Envelope, PieceRouted
from deposit.context import DepositContext, DepositTx
from deposit.domain.piece import apply_routing
from deposit.usecases.status_events import record_change
from messaging.consumer import PermanentError

log = logging.getLogger(__name__)


async def on_piece_routed(ctx: DepositContext, envelope: Envelope[Any]) -> None:
    decision: PieceRouted = envelope.data

    async def work(tx: DepositTx) -> None:
        record = await tx.pieces.read(decision.piece_id)
        if record is None:
            raise PermanentError("piece_inconnue", f"routing decision for unknown pièce {decision.piece_id}")
        snapshot = record.snapshot
        change = apply_routing(snapshot, decision, ctx.clock.now())
        if change is None:
            log.info(
                "pièce %s is %s, no longer awaiting routing: decision %s ignored",
                decision.piece_id,
                snapshot.statut,
                envelope.id,
            )
            return
        await record_change(ctx, tx, change, cause=envelope.id)

    await ctx.uow.run(work, claim=str(envelope.id))
