"""The deadline sweep: publish on ``travaux.deadlines`` each deadline once it falls due by the business
clock (``messaging.clock``), then remember it. A deadline published twice (a crash between publishing and
remembering it) keeps its id, which consumers drop."""

import asyncio
import logging
import time
import uuid
from datetime import datetime

from contracts import DeadlineReached, Envelope, LatePaymentPenalties, make_event, topics
from routing.adapters.deadline_store import DossierClock
from routing.context import SOURCE, RoutingContext
from routing.domain.deadlines import Deadline, Planned, due_now
from routing.metrics import DEADLINES

DEADLINE_IDS = uuid.UUID("5b0c1c4e-5d1f-4c55-9a59-4c1f4f3b7a10")  # namespace of deadline event ids
log = logging.getLogger(__name__)


def deadline_event(dossier_id: str, item: Planned) -> Envelope:
    payload = (
        DeadlineReached(
            piece_id=item.piece_id,
            dossier_id=dossier_id,
            echeance=item.echeance,
            due_at=item.due_at,
            detail=item.detail,
            penalites=item.penalites,
        )
        if isinstance(item, Deadline)
        else LatePaymentPenalties(
            piece_id=item.piece_id,
            dossier_id=dossier_id,
            due_at=item.due_at,
            paid_at=item.paid_at,
            penalites=item.penalites,
            mise_en_paiement_masquee=item.hidden_from_supplier,
        )
    )
    event_id = uuid.uuid5(DEADLINE_IDS, f"{dossier_id}/{item.key}")
    return make_event(payload, source=SOURCE, subject=dossier_id, event_id=event_id)


async def publish_due(ctx: RoutingContext, state: DossierClock, now: datetime) -> int:
    """Publish what is due on one leased dossier, then remember it (a crash in between re-publishes the
    same event ids, which consumers drop)."""
    items = due_now(state.plan(ctx.settings.ecb_main_refinancing_rate), state.fired, now)
    for item in items:
        event = deadline_event(state.dossier_id, item)
        await ctx.publisher.publish(topics.DEADLINES, event.key, event.to_bytes())
        DEADLINES.labels(item.label).inc()
        log.debug("deadline %s published for dossier %s (due %s)", item.key, state.dossier_id, item.due_at)
    await ctx.deadlines.mark_fired(state.dossier_id, [item.key for item in items])
    return len(items)


async def sweep(ctx: RoutingContext) -> int:
    """Publish what is due by the business clock, at most ``deadline_sweep_batch`` dossiers, with
    ``deadline_sweep_concurrency`` of them in flight; returns how many deadlines were published."""
    settings, store, now, started = ctx.settings, ctx.deadlines, ctx.clock.now(), time.monotonic()
    queue = list(reversed(await store.due(now, settings.deadline_sweep_batch)))  # pop() the most overdue

    async def worker() -> int:
        published = 0
        while queue:
            state = await store.lease(queue.pop(), now, ctx.lease)
            if state is not None:  # else another sweeper has it, or it is no longer due
                published += await publish_due(ctx, state, now)
        return published

    published = sum(await asyncio.gather(*(worker() for _ in range(settings.deadline_sweep_concurrency))))
    if published:
        elapsed = time.monotonic() - started
        log.info("deadline sweep: %d published in %.2f s (%.0f/s)", published, elapsed, published / max(elapsed, 1e-6))
    return published


async def sweep_logged(ctx: RoutingContext) -> None:
    try:
        await sweep(ctx)
    except Exception:  # a sweep that fails leaves its leases to expire; the next one retries
        log.exception("deadline sweep failed; retrying at the next tick")
