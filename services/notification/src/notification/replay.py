"""``python -m notification.replay``: replay the notification service's dead letters, once the cause is fixed.

Reads ``travaux.pieces.status.dlt`` from where the last replay stopped (consumer group
``notification-replay``) up to its end, and for each record the notification service dead-lettered:

- a dead mail (header ``dlt-delivery``: refused with a 5xx, or retries exhausted) goes back to the
  delivery queue, with its attempts reset; the running service sends it;
- an event the consumer could not handle (e.g. a recipient's structure missing from the directory,
  or a deadline on a pièce not seen yet) is handled again by the service's handlers: its mails are queued.

Idempotent: a mail already sent or queued is not queued again. ``--dry-run`` lists without changing.
"""

import argparse
import asyncio
import logging

from aiokafka import AIOKafkaConsumer

from contracts import ContractError, parse_event, topics
from messaging.kafka import group_timeouts
from messaging.logs import configure
from notification.adapters.dead_letters import DLT_DELIVERY
from notification.bootstrap import open_context
from notification.context import NotificationContext, NotificationTx
from notification.handlers.registry import handlers
from notification.settings import NotificationSettings

log = logging.getLogger("notification.replay")
GROUP = "notification-replay"
JOIN_TIMEOUT = 60.0


async def replay(settings: NotificationSettings, dry_run: bool = False) -> dict[str, int]:
    ctx = await open_context(settings, "notification-replay")
    counts = {"revived": 0, "already_done": 0, "events_handled": 0, "skipped": 0}
    topic = topics.dead_letter(topics.PIECES_STATUS)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=GROUP,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **group_timeouts(settings.kafka_session_timeout_seconds),
    )
    await consumer.start()
    try:
        started = asyncio.get_running_loop().time()
        while True:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            for records in batch.values():
                for record in records:
                    await _replay_one(ctx, dict(record.headers or ()), record.value, counts, dry_run)
            if batch and not dry_run:
                await consumer.commit()
            assigned = list(consumer.assignment())
            if assigned:
                ends = await consumer.end_offsets(assigned)
                if all([await consumer.position(tp) >= ends[tp] for tp in assigned]):
                    break  # caught up with the dead letters as they were when we started reading
            elif asyncio.get_running_loop().time() - started > JOIN_TIMEOUT:
                raise RuntimeError(f"no partition of {topic} assigned after {JOIN_TIMEOUT:.0f} s")
    finally:
        await consumer.stop()
        if ctx.runtime is not None:
            await ctx.runtime.close()
    return counts


async def _replay_one(ctx: NotificationContext, headers: dict, value: bytes, counts: dict, dry_run: bool) -> None:
    if headers.get(topics.DLT_CONSUMER) != b"notification":
        counts["skipped"] += 1  # another consumer's dead letter
        return
    key = headers.get(DLT_DELIVERY)
    if key is not None:
        await _revive(ctx, key.decode(), counts, dry_run)
        return
    try:
        envelope = parse_event(value)
    except ContractError as exc:
        counts["skipped"] += 1
        log.warning("dead letter not replayable: %s", exc)
        return
    handle = handlers(ctx).get(type(envelope.data))  # the service's own registry
    if handle is not None:
        if not dry_run:
            await handle(envelope)
        counts["events_handled"] += 1
    else:
        counts["skipped"] += 1


async def _revive(ctx: NotificationContext, key: str, counts: dict, dry_run: bool) -> None:
    """A dead mail goes back to the queue (once: a mail sent or queued again since is left alone)."""
    delivery = await ctx.deliveries.get(key)
    if delivery is None or delivery["state"] != "dead":
        counts["already_done"] += 1
        return

    async def work(tx: NotificationTx) -> bool:
        return await tx.deliveries.revive(key)

    if dry_run or await ctx.uow.run(work):
        counts["revived"] += 1
        log.info("mail %s to %s queued again", key, delivery["email"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="count what would be replayed, change nothing")
    args = parser.parse_args()
    settings = NotificationSettings()
    configure("notification-replay", settings.log_level)
    counts = asyncio.run(replay(settings, args.dry_run))
    print(" ".join(f"{name}={count}" for name, count in counts.items()))


if __name__ == "__main__":
    main()
