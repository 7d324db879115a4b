"""The unit of work on a real MongoDB-protocol server: claim, writes and outbox records commit together or
not at all, and the relay is woken only after a commit."""

import time
import uuid
from dataclasses import dataclass

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from contracts import DossierRemoved, make_event, utcnow
from messaging.mongo import make_client
from messaging.outbox import Outbox
from messaging.processed import ProcessedEvents
from messaging.unit_of_work import MemoryStore, MemoryUnitOfWork, MongoUnitOfWork, Transaction


class Counters:
    """A tiny store: a counter per name, bound to a session like the services' adapters."""

    def __init__(self, collection: AsyncCollection, session: AsyncClientSession | None = None):
        self.collection, self.session = collection, session

    def within(self, session: AsyncClientSession) -> "Counters":
        return Counters(self.collection, session)

    async def bump(self, name: str) -> None:
        await self.collection.update_one({"_id": name}, {"$inc": {"n": 1}}, upsert=True, session=self.session)

    async def value(self, name: str) -> int:
        doc = await self.collection.find_one({"_id": name}, session=self.session)
        return doc["n"] if doc else 0


@dataclass
class CounterTx(Transaction):
    counters: Counters


def removed(dossier: str):
    payload = DossierRemoved(
        dossier_id=dossier, move_id="m", piece_ids=[], notification_ids=[], location="a", removed_at=utcnow()
    )
    return make_event(payload, source="/tests", subject=dossier)


@pytest.fixture
async def mongo(infrastructure):
    client = make_client(infrastructure.mongodb_uri)
    database = client[f"uow_{uuid.uuid4().hex[:8]}"]
    outbox, processed = Outbox(database), ProcessedEvents(database)
    await outbox.ensure_indexes()
    await processed.ensure_indexes()
    counters = Counters(database["counters"])
    await database.create_collection("counters")
    uow = MongoUnitOfWork(client, outbox, processed, lambda session: CounterTx(counters.within(session)))
    yield uow, counters, outbox
    await client.drop_database(database.name)
    await client.close()


async def pending(outbox: Outbox) -> list[str]:
    return [doc["event_id"] async for doc in outbox.collection.find({}).sort("_id", 1)]


async def test_the_claim_the_writes_and_the_events_commit_together(mongo):
    uow, counters, outbox = mongo
    first, second = removed("D-1"), removed("D-2")

    async def work(tx: CounterTx) -> str:
        await tx.counters.bump("a")
        tx.publish(first)
        tx.publish(second)
        return "done"

    assert await uow.run(work, claim="event-1") == "done"
    assert await counters.value("a") == 1
    assert await pending(outbox) == [str(first.id), str(second.id)]  # in the order they were published
    assert outbox.wakeup.is_set()  # the relay is woken after the commit


async def test_an_event_claimed_before_changes_nothing(mongo):
    uow, counters, outbox = mongo
    ran = []

    async def work(tx: CounterTx) -> None:
        ran.append(1)
        await tx.counters.bump("a")
        tx.publish(removed("D-1"))

    await uow.run(work, claim="event-1")
    assert await uow.run(work, claim="event-1") is None
    assert ran == [1]
    assert await counters.value("a") == 1
    assert len(await pending(outbox)) == 1


async def test_a_failing_work_leaves_no_claim_no_write_and_no_event(mongo):
    uow, counters, outbox = mongo

    async def failing(tx: CounterTx) -> None:
        await tx.counters.bump("a")
        tx.publish(removed("D-1"))
        raise ValueError("refused half-way")

    with pytest.raises(ValueError, match="half-way"):
        await uow.run(failing, claim="event-1")
    assert await counters.value("a") == 0
    assert await pending(outbox) == []
    assert not outbox.wakeup.is_set()

    async def work(tx: CounterTx) -> None:  # the id was not claimed: the event can be handled again
        await tx.counters.bump("a")

    await uow.run(work, claim="event-1")
    assert await counters.value("a") == 1
    assert not outbox.wakeup.is_set()  # nothing to publish: the relay is left alone


class Box(MemoryStore):
    def __init__(self) -> None:
        self.items: dict[str, int] = {}


@dataclass
class BoxTx(Transaction):
    box: Box


async def test_the_memory_unit_of_work_is_all_or_nothing_too():
    box = Box()
    uow = MemoryUnitOfWork([box], lambda: BoxTx(box))

    async def failing(tx: BoxTx) -> None:
        tx.box.items["a"] = 1
        tx.publish(removed("D-1"))
        raise ValueError("no")

    with pytest.raises(ValueError):
        await uow.run(failing, claim="e")
    assert box.items == {} and uow.published == [] and uow.claimed == []

    async def work(tx: BoxTx) -> int:
        tx.box.items["a"] = 1
        tx.publish(removed("D-1"))
        return 7

    assert await uow.run(work, claim="e") == 7
    assert await uow.run(work, claim="e") is None
    assert box.items == {"a": 1} and uow.claimed == ["e"] and uow.events_of(DossierRemoved)[0].dossier_id == "D-1"


async def test_a_transaction_the_server_keeps_refusing_counts_as_the_database_away_after_the_grace(mongo, monkeypatch):
    """pymongo runs a transaction again, for two minutes, on an error labelled TransientTransactionError;
    one the server no longer knows (it restarted: NoSuchTransaction) stops after the grace with
    ``DatabaseUnavailable`` (a consumer retries the event, saying so; HTTP answers 503) instead of staying
    silent that long. (A write conflict is waited out: ``test_idempotency``'s slow first attempt.)"""
    from pymongo.errors import OperationFailure

    from messaging import mongo as mongo_module

    uow, counters, outbox = mongo
    monkeypatch.setattr(mongo_module, "TRANSIENT_GRACE_SECONDS", 0.5)
    attempts = 0

    async def work(tx: CounterTx) -> None:
        nonlocal attempts
        attempts += 1
        await tx.counters.bump("refused")
        raise OperationFailure("Transaction 7 has been aborted.", 251, {"errorLabels": ["TransientTransactionError"]})

    started = time.monotonic()
    with pytest.raises(mongo_module.DatabaseUnavailable, match="OperationFailure"):
        await uow.run(work)
    assert time.monotonic() - started < 10, "retried far beyond the grace"
    assert attempts > 1, "within the grace, the transaction is run again"
    assert await counters.value("refused") == 0  # no attempt committed
