"""The outbox relay on the real broker and database: the order events leave in, one publisher at a time
under the lease, a crash between publishing and deleting, and the lease passing on.

Each test has its own database (its own outbox and lease) and its own Kafka key."""

import uuid
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from contracts import Envelope, topics, utcnow
from messaging.kafka import make_producer
from messaging.mongo import in_transaction, make_client
from messaging.outbox import Outbox, OutboxRelay
from tests.messaging.kafka_support import end_offsets, eventually, read_from, read_to_end, removed

TOPIC = topics.DOSSIERS_REMOVED


@pytest.fixture
async def database(infrastructure):
    client = make_client(infrastructure.mongodb_uri)
    db = client[f"relay_{uuid.uuid4().hex[:8]}"]
    yield client, db
    await client.drop_database(db.name)
    await client.close()


async def new_outbox(db) -> Outbox:
    outbox = Outbox(db)
    await outbox.ensure_indexes()
    return outbox


class CountingProducer:
    """A relay's producer that notes what it sent and when (the relay only calls ``send``)."""

    def __init__(self, real):
        self.real = real
        self.sent: list[tuple[str, Any]] = []  # (event id, when)

    async def send(self, topic, value, key):
        self.sent.append((Envelope[Any].model_validate_json(value).id, utcnow()))
        return await self.real.send(topic, value=value, key=key)


@pytest.fixture
async def producers(bootstrap):
    """``new()``: a started producer of its own, stopped at the end (one per relay, as one per process)."""
    started = []

    async def new() -> CountingProducer:
        producer = make_producer(bootstrap, f"relay-test-{uuid.uuid4().hex[:6]}")
        await producer.start()
        started.append(producer)
        return CountingProducer(producer)

    yield new
    for producer in started:
        await producer.stop()


async def write(client, outbox: Outbox, events: list[Envelope[Any]]) -> None:
    async def work(session) -> None:
        await outbox.add_all(events, session)

    await in_transaction(client, work)
    outbox.notify()


def ids(records: list[ConsumerRecord]) -> list[str]:
    return [str(Envelope[Any].model_validate_json(r.value).id) for r in records]


def keyed(key: str):
    def ours(records: list[ConsumerRecord]) -> list[ConsumerRecord]:
        return [r for r in records if r.key == key.encode()]

    return ours


async def test_the_events_of_one_transaction_leave_in_the_order_written(
    bootstrap, database, producers, producer, dossier
):
    client, db = database
    outbox = await new_outbox(db)
    start = await end_offsets(bootstrap, TOPIC)
    events = [removed(dossier, move=str(i)) for i in range(30)]
    await write(client, outbox, events)

    relay = OutboxRelay(outbox, await producers(), batch_size=7)  # several passes
    relay.start()
    try:
        ours = keyed(dossier)
        records = ours(await read_from(bootstrap, start, lambda rs: len(ours(rs)) >= 30, "the 30 events"))
        await eventually(lambda: _empty(outbox), "the relay to delete what it published")
    finally:
        await relay.stop()
    assert ids(records) == [str(e.id) for e in events]
    assert len({r.partition for r in records}) == 1  # one key, one partition
    offsets = [r.offset for r in records]
    assert offsets == sorted(offsets)
    assert await outbox.collection.count_documents({}) == 0
    kept = await outbox.published.find({}).sort("offset", 1).to_list()
    assert [d["event_id"] for d in kept] == ids(records)  # kept with where the broker put them
    assert [d["offset"] for d in kept] == offsets


async def test_of_two_relays_on_one_outbox_only_the_lease_holder_publishes(
    bootstrap, database, producers, producer, dossier
):
    client, db = database
    outbox_a, outbox_b = await new_outbox(db), await new_outbox(db)  # two processes, one database
    start = await end_offsets(bootstrap, TOPIC)
    a, b = OutboxRelay(outbox_a, await producers()), OutboxRelay(outbox_b, await producers())
    a.start()
    b.start()
    events: list[Envelope[Any]] = []
    try:
        for batch in range(10):  # written while both run, through either process
            written = [removed(dossier, move=f"{batch}-{i}") for i in range(5)]
            await write(client, outbox_a if batch % 2 else outbox_b, written)
            events += written
        await eventually(lambda: _empty(outbox_a), "the outbox to empty")
    finally:
        await a.stop()
        await b.stop()
    records = await read_to_end(bootstrap, start, producer, dossier)
    assert ids(records) == [str(e.id) for e in events]  # each once, in order
    senders = sorted([len(a.producer.sent), len(b.producer.sent)])
    assert senders == [0, len(events)]


async def _empty(outbox: Outbox) -> bool:
    return await outbox.collection.count_documents({}) == 0


class DeletionFails:
    """The outbox collection of a relay that dies right after publishing, before deleting what it sent."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    async def delete_many(self, *args, **kwargs):
        raise ConnectionResetError("the relay died before deleting")


async def test_a_relay_dying_between_publishing_and_deleting_publishes_again_with_the_same_ids(
    bootstrap, database, producers, producer, dossier
):
    client, db = database
    start = await end_offsets(bootstrap, TOPIC)
    dying_outbox = await new_outbox(db)
    dying_outbox.collection = DeletionFails(dying_outbox.collection)
    events = [removed(dossier, move=str(i)) for i in range(8)]
    await write(client, dying_outbox, events)

    dying = OutboxRelay(dying_outbox, await producers())
    with pytest.raises(ConnectionResetError):
        await dying.relay_once()

    outbox = await new_outbox(db)
    assert await outbox.collection.count_documents({}) == len(events)  # nothing deleted
    successor = OutboxRelay(outbox, await producers())
    assert await successor.relay_once() == len(events)

    expected = [str(e.id) for e in events]
    records = await read_to_end(bootstrap, start, producer, dossier)
    assert ids(records) == expected + expected  # twice, each time in order: consumers drop the second
    assert await outbox.collection.count_documents({}) == 0
    kept = await outbox.published.find({}).sort("offset", 1).to_list()
    assert [d["event_id"] for d in kept] == expected  # noted once each, where the second copy went
    assert [d["offset"] for d in kept] == [r.offset for r in records[len(events) :]]


async def test_the_lease_passes_to_another_relay_once_the_holder_stops_renewing_it(
    bootstrap, database, producers, producer, dossier
):
    client, db = database
    start = await end_offsets(bootstrap, TOPIC)
    outbox_a, outbox_b = await new_outbox(db), await new_outbox(db)
    a = OutboxRelay(outbox_a, await producers(), lease_seconds=1.0)
    first = removed(dossier, move="first")
    await write(client, outbox_a, [first])
    a.start()
    await eventually(lambda: _empty(outbox_a), "the holder to publish the first event")
    await a.stop()  # it stops renewing its lease
    lease = await outbox_a.lease.find_one({"_id": "relay"})
    assert lease["owner"] == a.lease.owner

    b = OutboxRelay(outbox_b, await producers(), lease_seconds=1.0, poll_seconds=0.05)
    second = removed(dossier, move="second")
    await write(client, outbox_b, [second])
    b.start()
    try:
        await eventually(lambda: b.producer.sent, "the other relay to take the lease and publish", timeout=20)
    finally:
        await b.stop()
    sent_at = b.producer.sent[0][1]
    assert sent_at >= lease["expires_at"].replace(tzinfo=sent_at.tzinfo)  # not before the holder's lease ran out
    assert (await outbox_b.lease.find_one({"_id": "relay"}))["owner"] == b.lease.owner
    records = await read_to_end(bootstrap, start, producer, dossier)
    assert ids(records) == [str(first.id), str(second.id)]
