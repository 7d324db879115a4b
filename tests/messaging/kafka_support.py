"""Reading the real broker in the messaging tests: where a topic ends, what a group committed, the records
written after a point, and waiting for a condition with a deadline (never a fixed sleep)."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from contracts import DossierKept, DossierRemoved, Envelope, make_event, utcnow

Offsets = dict[TopicPartition, int]


async def eventually(check: Callable[[], Awaitable[Any] | Any], what: str, timeout: float = 20.0) -> Any:
    """``check()``'s first truthy answer, polled until ``timeout``; fails saying what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if asyncio.iscoroutine(answer):
            answer = await answer
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(0.05)


def _plain_consumer(bootstrap: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, client_id=f"t-{uuid.uuid4().hex[:6]}"
    )


async def end_offsets(bootstrap: str, topic: str) -> Offsets:
    """Where each partition of ``topic`` ends now, as the broker says: the local broker can say too early
    after a batch of several records (see ``read_to_end``), so tests also filter on their own keys."""
    consumer = _plain_consumer(bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            await consumer.force_metadata_update()  # type: ignore[attr-defined]
            partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()


async def start_group_at(bootstrap: str, group_id: str, offsets: Offsets) -> None:
    """Commit ``offsets`` for a group nobody has joined yet: its first member reads from there, not from
    the beginning of topics other tests (and other sessions' tests) wrote to."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(dict(offsets))
    finally:
        await consumer.stop()


async def committed(bootstrap: str, group_id: str, tp: TopicPartition) -> int | None:
    """The offset ``group_id`` committed on ``tp`` (asked without joining the group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(tp)
    finally:
        await consumer.stop()


async def read_from(
    bootstrap: str,
    start: Offsets,
    until: Callable[[list[ConsumerRecord]], bool],
    what: str,
    timeout: float = 20.0,
) -> list[ConsumerRecord]:
    """The records written from ``start`` on, once ``until(records)`` holds."""
    consumer = _plain_consumer(bootstrap)
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout
        while not until(records):
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:.0f} s for {what}; read {len(records)} record(s)")
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def read_to_end(
    bootstrap: str, start: Offsets, producer: Any, key: str, timeout: float = 20.0
) -> list[ConsumerRecord]:
    """Every record keyed ``key`` written from ``start`` on, up to now. "Now" is a sentinel sent with that
    key (same partition) and read back, left out of the answer: the local broker (Tansu) answers a
    partition's end offset short while its last write was a batch of several records (base offset + 1:
    ten records at offsets 0-9, end offset 1), so an end offset is not a reliable "now"."""
    topic = next(iter(start)).topic
    sentinel = await producer.send_and_wait(topic, value=b"end-of-test-sentinel", key=key.encode())
    tp = TopicPartition(topic, sentinel.partition)
    records = await read_from(
        bootstrap,
        {tp: start[tp]},
        lambda rs: any(r.offset >= sentinel.offset for r in rs),
        f"the sentinel at {topic}[{tp.partition}]@{sentinel.offset}",
        timeout,
    )
    return [r for r in records if r.key == key.encode() and r.offset < sentinel.offset]


def removed(dossier: str, move: str = "m") -> Envelope[Any]:
    payload = DossierRemoved(
        dossier_id=dossier, move_id=move, piece_ids=[], notification_ids=[], location="a", removed_at=utcnow()
    )
    return make_event(payload, source="/tests", subject=dossier)


def kept(dossier: str) -> Envelope[Any]:
    payload = DossierKept(dossier_id=dossier, move_id="m", code="dossier_modifie", reason="changed")
    return make_event(payload, source="/tests", subject=dossier)
