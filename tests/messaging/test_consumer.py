"""The consumer loop on the real broker: what goes to the dead-letter topic and with which headers, what
is retried and how often, what is skipped, the order within a partition, and the committed offsets.

Each test has its own consumer group, started at the end of the topic (other tests' records are never
read), and its own Kafka key."""

import uuid
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from pymongo.errors import ConnectionFailure

from contracts import DossierRemoved, Envelope, topics
from messaging.consumer import EventConsumer, PermanentError, TransientError
from tests.messaging.kafka_support import (
    committed,
    end_offsets,
    eventually,
    kept,
    read_from,
    read_to_end,
    removed,
    start_group_at,
)

TOPIC = topics.DOSSIERS_REMOVED
DLT = topics.dead_letter(TOPIC)


@pytest.fixture
async def consumers(bootstrap, producer):
    """``start(registry, group_id=None, **settings)``: an EventConsumer of TOPIC in a group of its own
    (unless ``group_id`` is given), reading from where TOPIC ends, joined and assigned."""
    started: list[EventConsumer] = []

    async def start(registry, group_id: str | None = None, **settings: Any) -> EventConsumer:
        if group_id is None:
            group_id = f"tests-consumer-{uuid.uuid4().hex[:8]}"
            await start_group_at(bootstrap, group_id, await end_offsets(bootstrap, TOPIC))
        settings.setdefault("session_timeout_seconds", 3.0)  # a group re-forms quickly after a member leaves
        consumer = EventConsumer(
            name=f"{group_id}-member",
            bootstrap_servers=bootstrap,
            group_id=group_id,
            group_instance_id=None,
            topics_=[TOPIC],
            registry=registry,
            producer=producer,
            **settings,
        )
        await consumer.start()
        started.append(consumer)
        await eventually(lambda: consumer.ready, f"{group_id} to join and get its partitions", timeout=60)
        return consumer

    yield start
    for consumer in started:
        await consumer.stop()


class Recorder:
    """A handler that notes the events of this test's dossier (their subjects start with its id), and
    fails on them as told first; other events it lets pass."""

    def __init__(self, dossier: str, failures: list[Exception] | None = None):
        self.dossier = dossier
        self.calls: list[Envelope[Any]] = []
        self.handled: list[Envelope[Any]] = []
        self.failures = list(failures or [])

    async def __call__(self, envelope: Envelope[Any]) -> None:
        if not envelope.subject.startswith(self.dossier):
            return  # another test's record: the local broker's end offsets can be short (see kafka_support)
        self.calls.append(envelope)
        if self.failures:
            raise self.failures.pop(0)
        self.handled.append(envelope)

    def ids(self) -> list[str]:
        return [str(e.id) for e in self.handled]


async def send(producer, key: str, value: bytes | None) -> tuple[TopicPartition, int]:
    meta = await producer.send_and_wait(TOPIC, value=value, key=key.encode())
    return TopicPartition(TOPIC, meta.partition), meta.offset


def headers(record: ConsumerRecord) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


def keyed(key: str):
    def ours(records: list[ConsumerRecord]) -> list[ConsumerRecord]:
        return [r for r in records if r.key == key.encode()]

    return ours


async def dead_letters_of(bootstrap, dlt_start, key: str, consumer: str, count: int = 1) -> list[ConsumerRecord]:
    """The dead letters ``consumer`` wrote keyed ``key`` (the services of an end-to-end session on the same
    broker read this topic too, and dead-letter the same bad records under their own names), one per source
    record: dead letters are delivered at least once (a
    producer's retry, a record read twice by its consumer after a rebalance), so a copy of one already read
    (same source topic, partition and offset) is not another letter."""

    def letters(records: list[ConsumerRecord]) -> list[ConsumerRecord]:
        unique: dict[tuple, ConsumerRecord] = {}
        for record in keyed(key)(records):
            headers = dict(record.headers)
            if headers.get(topics.DLT_CONSUMER) != consumer.encode():
                continue
            source = tuple(
                headers.get(h) for h in (topics.DLT_SOURCE_TOPIC, topics.DLT_SOURCE_PARTITION, topics.DLT_SOURCE_OFFSET)
            )
            unique.setdefault(source, record)
        return list(unique.values())

    records = await read_from(
        bootstrap, dlt_start, lambda rs: len(letters(rs)) >= count, f"{count} dead letter(s) keyed {key}"
    )
    return letters(records)


async def offset_committed_past(bootstrap, group_id: str, tp: TopicPartition, offset: int) -> None:
    async def past() -> bool:
        got = await committed(bootstrap, group_id, tp)
        return got is not None and got > offset

    await eventually(past, f"{group_id} to commit past {tp.topic}[{tp.partition}]@{offset}")


async def test_a_value_breaking_the_contract_is_dead_lettered_with_its_code_and_where_it_came_from(
    bootstrap, producer, consumers, dossier
):
    dlt_start = await end_offsets(bootstrap, DLT)
    handler = Recorder(dossier)
    consumer = await consumers({DossierRemoved: handler})

    bad_json = await send(producer, dossier, b"{not json")
    unknown = await send(producer, dossier, b'{"type": "fr.travaux.nothing.v1"}')
    good = removed(dossier)
    await send(producer, dossier, good.to_bytes())

    letters = await dead_letters_of(bootstrap, dlt_start, dossier, consumer.name, count=2)
    assert [r.value for r in letters] == [b"{not json", b'{"type": "fr.travaux.nothing.v1"}']  # the original
    for letter, (tp, offset), code in zip(letters, [bad_json, unknown], ["invalid_json", "unknown_type"], strict=True):
        h = headers(letter)
        assert h[topics.DLT_CODE] == code
        assert h[topics.DLT_REASON]  # for people: why
        assert h[topics.DLT_SOURCE_TOPIC] == TOPIC
        assert h[topics.DLT_SOURCE_PARTITION] == str(tp.partition)
        assert h[topics.DLT_SOURCE_OFFSET] == str(offset)
        assert h[topics.DLT_CONSUMER] == consumer.name
    # the loop went on: the valid record after them was handled, and only it
    await eventually(lambda: handler.ids() == [str(good.id)], "the valid record to be handled")
    assert [str(e.id) for e in handler.calls] == [str(good.id)]


async def test_a_permanent_error_is_dead_lettered_with_its_code_at_once(bootstrap, producer, consumers, dossier):
    dlt_start = await end_offsets(bootstrap, DLT)
    handler = Recorder(dossier, [PermanentError("dossier_inconnu", "no such dossier here")])
    consumer = await consumers({DossierRemoved: handler}, max_attempts=5)

    event = removed(dossier)
    tp, offset = await send(producer, dossier, event.to_bytes())

    [letter] = await dead_letters_of(bootstrap, dlt_start, dossier, consumer.name)
    h = headers(letter)
    assert h[topics.DLT_CODE] == "dossier_inconnu"
    assert h[topics.DLT_REASON] == "no such dossier here"
    assert (h[topics.DLT_SOURCE_PARTITION], h[topics.DLT_SOURCE_OFFSET]) == (str(tp.partition), str(offset))
    assert h[topics.DLT_CONSUMER] == consumer.name
    assert letter.value == event.to_bytes()
    assert len(handler.calls) == 1  # never retried


async def test_a_handler_failing_every_time_is_tried_max_attempts_times_then_dead_lettered(
    bootstrap, producer, consumers, dossier
):
    dlt_start = await end_offsets(bootstrap, DLT)
    handler = Recorder(dossier, [ValueError("bug")] * 3)
    consumer = await consumers({DossierRemoved: handler}, max_attempts=3)

    event = removed(dossier)
    await send(producer, dossier, event.to_bytes())
    after = removed(f"{dossier}-next")  # the loop goes on past the dead letter
    await send(producer, dossier, after.to_bytes())

    [letter] = await dead_letters_of(bootstrap, dlt_start, dossier, consumer.name)
    h = headers(letter)
    assert h[topics.DLT_CODE] == "handler_failed"
    assert h[topics.DLT_REASON] == "ValueError: bug"
    await eventually(lambda: handler.ids() == [str(after.id)], "the next record to be handled")
    assert [str(e.id) for e in handler.calls] == [str(event.id)] * 3 + [str(after.id)]


async def test_infrastructure_errors_are_retried_beyond_max_attempts_and_the_event_handled_once(
    bootstrap, producer, consumers, dossier
):
    dlt_start = await end_offsets(bootstrap, DLT)
    # max_attempts=1: a plain exception would be dead-lettered at once; these are retried until success
    handler = Recorder(dossier, [TransientError("smtp away"), ConnectionFailure("mongo away")])
    group = f"tests-consumer-{uuid.uuid4().hex[:8]}"
    await start_group_at(bootstrap, group, await end_offsets(bootstrap, TOPIC))
    await consumers({DossierRemoved: handler}, group_id=group, max_attempts=1)

    event = removed(dossier)
    tp, offset = await send(producer, dossier, event.to_bytes())

    await eventually(lambda: handler.ids() == [str(event.id)], "the event to be handled after the retries")
    assert len(handler.calls) == 3
    await offset_committed_past(bootstrap, group, tp, offset)
    assert handler.ids() == [str(event.id)]  # handled once
    # a dead letter would have been sent before the handler's success: there is none
    assert await read_to_end(bootstrap, dlt_start, producer, dossier) == []


async def test_a_type_the_registry_does_not_name_is_skipped_and_its_offset_committed(
    bootstrap, producer, consumers, dossier
):
    dlt_start = await end_offsets(bootstrap, DLT)
    handler = Recorder(dossier)
    group = f"tests-consumer-{uuid.uuid4().hex[:8]}"
    await start_group_at(bootstrap, group, await end_offsets(bootstrap, TOPIC))
    await consumers({DossierRemoved: handler}, group_id=group)

    tp, offset = await send(producer, dossier, kept(dossier).to_bytes())  # DossierKept: not in the registry

    await offset_committed_past(bootstrap, group, tp, offset)
    assert handler.calls == []
    assert await read_to_end(bootstrap, dlt_start, producer, dossier) == []  # skipped, not dead-lettered


async def test_the_records_of_one_partition_are_handled_in_order_across_batches_and_retries(
    bootstrap, producer, consumers, dossier
):
    handler = Recorder(dossier, [ValueError("once")])  # the first call fails once, then all succeed
    await consumers({DossierRemoved: handler}, max_records=7, max_attempts=3)

    events = [removed(dossier, move=str(i)) for i in range(40)]
    for event in events:
        await producer.send(TOPIC, value=event.to_bytes(), key=dossier.encode())
    await producer.flush()

    await eventually(lambda: len(handler.handled) >= len(events), "the 40 events to be handled", timeout=30)
    assert handler.ids() == [str(e.id) for e in events]


async def test_a_new_member_of_the_group_does_not_see_again_what_was_handled(bootstrap, producer, consumers, dossier):
    group = f"tests-consumer-{uuid.uuid4().hex[:8]}"
    await start_group_at(bootstrap, group, await end_offsets(bootstrap, TOPIC))
    first = Recorder(dossier)
    consumer = await consumers({DossierRemoved: first}, group_id=group)

    events = [removed(dossier, move=str(i)) for i in range(5)]
    for event in events:
        tp, last = await send(producer, dossier, event.to_bytes())
    await eventually(lambda: len(first.handled) >= len(events), "the first member to handle the events")
    assert first.ids() == [str(e.id) for e in events]
    await offset_committed_past(bootstrap, group, tp, last)
    await consumer.stop()

    second = Recorder(dossier)
    await consumers({DossierRemoved: second}, group_id=group)
    sentinel = removed(dossier, move="sentinel")  # same key, same partition: it comes after the five
    await send(producer, dossier, sentinel.to_bytes())
    await eventually(lambda: second.handled, "the second member to handle the sentinel")
    assert second.ids() == [str(sentinel.id)]


class LosesTopicOnce(Recorder):
    """Reports ``lost`` as re-created by the broker while it handles this test's first event (as the broker
    watch would, in the middle of a batch)."""

    def __init__(self, dossier: str, lost: str):
        super().__init__(dossier)
        self.lost = lost
        self.consumer: EventConsumer | None = None

    async def __call__(self, envelope: Envelope[Any]) -> None:
        if envelope.subject.startswith(self.dossier) and not self.calls:
            assert self.consumer is not None
            await self.consumer.topic_lost(self.lost)
        await super().__call__(envelope)


async def test_a_loss_of_another_topic_mid_batch_does_not_hold_back_this_ones_commit(
    bootstrap, producer, consumers, dossier
):
    handler = LosesTopicOnce(dossier, lost=topics.STRUCTURES)
    group = f"tests-consumer-{uuid.uuid4().hex[:8]}"
    await start_group_at(bootstrap, group, await end_offsets(bootstrap, TOPIC))
    handler.consumer = await consumers({DossierRemoved: handler}, group_id=group)

    tp, offset = await send(producer, dossier, removed(dossier).to_bytes())  # and nothing after it

    await eventually(lambda: handler.handled, "the event to be handled")
    await offset_committed_past(bootstrap, group, tp, offset)


async def test_a_loss_of_this_topic_mid_batch_reads_it_again_and_commits_then(bootstrap, producer, consumers, dossier):
    handler = LosesTopicOnce(dossier, lost=TOPIC)
    group = f"tests-consumer-{uuid.uuid4().hex[:8]}"
    await start_group_at(bootstrap, group, await end_offsets(bootstrap, TOPIC))
    handler.consumer = await consumers({DossierRemoved: handler}, group_id=group)

    event = removed(dossier)
    tp, offset = await send(producer, dossier, event.to_bytes())

    # the offset read before the loss is not committed; the topic is read from its beginning, so the event
    # comes again (its handler deduplicates on its id) and is committed then
    await eventually(lambda: len(handler.handled) >= 2, "the event to be handled again after the loss")
    assert handler.ids() == [str(event.id)] * 2
    await offset_committed_past(bootstrap, group, tp, offset)
