"""The reconciler: what must happen next happens, even when the broker lost the message that asked for it.

Every ``RECONCILE_INTERVAL_SECONDS``, one replica at a time (a lease):

- **submissions without a decision**: a pièce sent to routing (deposit, completion, recycling,
  validation) that has had no decision ``RECONCILE_AFTER_SECONDS`` after its event went out is submitted
  again with the *same* event id (then after 2, 4, 8, 16 times that while none comes); routing derives its decision's id from it, so a decision already made comes out the
  same and is dropped here. From the second time on, the structures the pièce names are announced
  again too (routing waits for a structure it does not know rather than refusing the pièce);
- **the directory**: when ``travaux.structures`` has another id than when the directory was last
  published whole (the broker lost it), or is empty, every structure is announced again.

The status changes the broker lost are published again by the outbox relay (``messaging.outbox``).
"""

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

from prometheus_client import Counter

from contracts import PieceSubmitted, SubmissionReason, make_event, topics, utcnow
from deposit.adapters.pieces import PARTY_FIELDS, snapshot_of
from deposit.context import SOURCE, DepositContext, DepositTx
from deposit.usecases.publish_directory import publish_directory, publish_structures
from messaging.lease import Lease
from messaging.tasks import BackgroundLoop

log = logging.getLogger(__name__)

REDRIVEN = Counter("reconciler_redriven_total", "Work sent again because its next step did not happen", ["kind"])
BATCH = 500


class Reconciler(BackgroundLoop):
    task_name = "reconciler"

    def __init__(self, ctx: DepositContext):
        assert ctx.outbox is not None and ctx.runtime is not None  # the reconciler runs on the real stores
        self.ctx = ctx
        self.outbox = ctx.outbox
        settings = ctx.settings
        self.lease = Lease(ctx.outbox.lease, "reconciler", settings.outbox_lease_seconds)
        self.interval = settings.reconcile_interval_seconds
        self.after = timedelta(seconds=settings.reconcile_after_seconds)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                if await self.lease.hold():
                    await self.reconcile_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - database or broker away: the next pass tries again
                log.exception("reconciliation pass failed; retrying")

    async def reconcile_once(self) -> dict[str, int]:
        return {"directory": await self.check_directory(), "submissions": await self.redrive_submissions()}

    async def redrive_submissions(self) -> int:
        """Submit again, same event id, every pièce that has waited too long for routing's decision."""
        now = utcnow()
        overdue = await self.ctx.pieces.overdue_submissions(now, BATCH)
        # Not those whose event the relay has not published yet, or only just: their clock starts then. (No
        # write for them: a multi-document update on pièces in the middle of transactions on them stalled the
        # local database; they come back at the next pass, an ``after`` later at most.)
        in_flight = await self.outbox.in_flight([r["soumission"]["event_id"] for r in overdue], now - self.after)
        redriven, named = 0, set()
        for record in overdue:
            if record["soumission"]["event_id"] in in_flight:
                continue
            if await self._submit_again(record, now):
                redriven += 1
                if record["soumission"].get("relances", 0) >= 1:
                    named |= {record[f] for f in PARTY_FIELDS if record.get(f)}
        if redriven:
            REDRIVEN.labels("submission").inc(redriven)
            log.warning("reconciler: %d pièces without a routing decision submitted again", redriven)
        if named:
            count = await publish_structures(self.ctx, sorted(named))
            REDRIVEN.labels("structure").inc(count)
            log.warning("reconciler: %d structures named by pièces still waiting announced again", count)
        self.outbox.notify()
        return redriven

    async def _submit_again(self, record: dict, now: datetime) -> bool:
        waiting = record["soumission"]
        piece = snapshot_of(record)
        event = make_event(
            PieceSubmitted(reason=SubmissionReason(waiting["reason"]), piece=piece),
            source=SOURCE,
            subject=piece.dossier_id,
            event_id=uuid.UUID(waiting["event_id"]),
        )

        # Less and less often while no decision comes (routing down for long): after, 2×, 4× … 16× after.
        next_at = now + self.after * 2 ** min(waiting.get("relances", 0) + 1, 4)

        async def work(tx: DepositTx) -> bool:
            if not await tx.pieces.submission_sent_again(piece.piece_id, waiting["event_id"], next_at):
                return False  # decided meanwhile
            tx.publish(event)
            return True

        return bool(await self.ctx.uow.run(work))

    async def check_directory(self) -> int:
        """Publish the whole directory again when the broker lost ``travaux.structures``."""
        broker = self.ctx.runtime.broker
        topic_id = broker.topic_id(topics.STRUCTURES)
        structures = await self.ctx.directory.structures.count_documents({})
        if topic_id is None or structures == 0:
            return 0
        last = await self.ctx.publication.last()
        reason = None
        if last is None:
            reason = "it was never published whole"
        elif last.get("topic_id") != str(topic_id):
            reason = "the topic is not the one it was last published on: the broker lost it"
        elif not await self.outbox.collection.count_documents({"topic": topics.STRUCTURES}):
            if not any((await broker.end_offsets(topics.STRUCTURES)).values()):
                reason = f"the topic is empty, and there are {structures} structures"
        if reason is None:
            return 0
        count = await publish_directory(self.ctx)
        REDRIVEN.labels("directory").inc()
        log.warning("reconciler: directory published again (%d structures): %s", count, reason)
        return count
