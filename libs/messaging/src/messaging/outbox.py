"""Transactional outbox: an event is written in the same MongoDB transaction as the state it announces,
then a relay publishes it to Kafka.

- A crash between the two only delays the event: the next relay publishes it. A crash after publishing
  but before noting it publishes it again with the same event id, which consumers drop as a duplicate.
- With several replicas, one relay at a time holds a lease, so events leave in the order they were
  written (per dossier: per Kafka key).
- **A broker that loses what it was given** (the local broker forgets everything when it stops; a Kafka
  partition can lose its last records in an unclean leader election): published events are kept
  ``retention_seconds`` with the partition, offset and topic id the broker gave them. When a topic
  comes back with another id, the relay publishes its events again, in their order and with their ids,
  before anything new. When the broker gives a new event an offset at or below one it gave before on
  the same partition (the relay is its topics' only writer), the partition lost its tail: the events
  from that offset on are published again.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from bson import ObjectId
from prometheus_client import Counter, Gauge
from pymongo import ASCENDING, DESCENDING, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure

from contracts import Envelope, spec_of, topics, utcnow
from messaging.lease import Lease
from messaging.tasks import BackgroundLoop

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_published_total", "Events relayed from the outbox to Kafka")
PENDING = Gauge("outbox_pending", "Events waiting in the outbox at the last relay pass")
DUPLICATE_KEY = 11000
REPUBLISHED = Counter("outbox_republished_total", "Published events the broker lost, published again", ["topic"])

TopicIds = Callable[[str], uuid.UUID | None]


def latest_of_compacted(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``events`` in order, but only the last of each key on a compacted topic: there a record is the
    state of its key, and an older one published again would take a consumer back in time."""
    last = {(e["topic"], e["key"]): e["_id"] for e in events if e["topic"] in topics.COMPACTED}
    return [e for e in events if e["topic"] not in topics.COMPACTED or last[(e["topic"], e["key"])] == e["_id"]]


class Outbox:
    def __init__(self, database: AsyncDatabase, retention_seconds: float = 3600.0):
        self.collection = database["outbox"]
        self.published = database["outbox_published"]
        self.lease = database["outbox_lease"]
        self.retention_seconds = retention_seconds
        self.wakeup = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("created_at", ASCENDING), ("_id", ASCENDING)])
        await self.collection.create_index("event_id")
        await self.published.create_index("event_id")
        try:
            await self.published.create_index("published_at", expireAfterSeconds=int(self.retention_seconds))
        except OperationFailure:  # kept with another retention before: the setting changed
            await self.published.drop_index("published_at_1")
            await self.published.create_index("published_at", expireAfterSeconds=int(self.retention_seconds))
        await self.published.create_index([("topic", ASCENDING), ("partition", ASCENDING), ("offset", ASCENDING)])

    async def add(self, envelope: Envelope[Any], session: AsyncClientSession) -> None:
        """Record ``envelope`` for publication; call inside the transaction that makes the change."""
        await self.add_all([envelope], session)

    async def add_all(self, envelopes: list[Envelope[Any]], session: AsyncClientSession) -> None:
        """Record ``envelopes`` for publication in this order, inside the transaction that makes the change."""
        now = utcnow()
        await self.collection.insert_many(
            [
                {
                    "_id": ObjectId(),  # ordered within a process; created_at orders across processes
                    "event_id": str(envelope.id),
                    "topic": spec_of(envelope.data).topic,
                    "key": envelope.key,
                    "value": envelope.to_bytes(),
                    "created_at": now,
                }
                for envelope in envelopes
            ],
            ordered=True,
            session=session,
        )

    def notify(self) -> None:
        """Tell the relay in this process that a transaction with events just committed."""
        self.wakeup.set()

    async def in_flight(self, event_ids: list[str], since: datetime) -> set[str]:
        """Of ``event_ids``, those still waiting for the relay or published after ``since``."""
        pending = self.collection.find({"event_id": {"$in": event_ids}}, {"event_id": 1})
        recent = self.published.find({"event_id": {"$in": event_ids}, "published_at": {"$gt": since}}, {"event_id": 1})
        return {doc["event_id"] async for doc in pending} | {doc["event_id"] async for doc in recent}


class OutboxRelay(BackgroundLoop):
    task_name = "outbox-relay"

    def __init__(
        self,
        outbox: Outbox,
        producer: AIOKafkaProducer,
        *,
        topic_id: TopicIds = lambda topic: None,
        broker_reachable: Callable[[], bool] = lambda: True,
        lease_seconds: float = 10.0,
        poll_seconds: float = 0.2,
        batch_size: int = 500,
    ):
        self.outbox = outbox
        self.producer = producer
        self.topic_id = topic_id
        self.broker_reachable = broker_reachable
        self.lease = Lease(outbox.lease, "relay", lease_seconds)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self._term = 0
        self._checked_ids: dict[str, uuid.UUID | None] = {}  # topic → the id whose losses were checked
        self._highest: dict[tuple[str, int], tuple[str | None, int]] = {}  # (topic, partition) → (id, offset)
        self._truncated: list[dict[str, Any]] = []  # queries of the kept events a partition lost

    async def _run(self) -> None:
        while True:
            try:
                published = await self.relay_once() if await self.lease.hold() else 0
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - broker or database away: keep the events, try again
                log.exception("outbox relay pass failed; retrying")
                published = 0
                await asyncio.sleep(1.0)
            if published < self.batch_size:
                try:
                    await asyncio.wait_for(self.outbox.wakeup.wait(), self.poll_seconds)
                except TimeoutError:
                    pass
                self.outbox.wakeup.clear()

    async def relay_once(self) -> int:
        """Publish again what the broker lost, then one batch of pending events in write order; returns
        how many pending events were published."""
        if not self.broker_reachable():
            return 0  # nothing new before we know what the broker kept
        if self.lease.terms != self._term:  # a new holder: check again what was published before
            self._term, self._checked_ids, self._highest = self.lease.terms, {}, {}
        await self.republish_lost()
        documents = await (
            self.outbox.collection.find({})
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(self.batch_size)
            .to_list()
        )
        PENDING.set(len(documents))
        if not documents:
            return 0
        await self._publish(documents)
        await self.outbox.collection.delete_many({"_id": {"$in": [doc["_id"] for doc in documents]}})
        PUBLISHED.inc(len(documents))
        return len(documents)

    async def _publish(self, documents: list[dict[str, Any]], again: bool = False) -> None:
        """Send in order, then keep each event with where the broker put it (``again``: events kept already)."""
        deliveries = [await self.producer.send(doc["topic"], value=doc["value"], key=doc["key"]) for doc in documents]
        results = await asyncio.gather(*deliveries)
        now = utcnow()
        kept = []
        for doc, result in zip(documents, results, strict=True):
            topic_id = self.topic_id(doc["topic"])
            placed = {"partition": result.partition, "offset": result.offset}
            kept.append({**doc, **placed, "published_at": now, "topic_id": str(topic_id) if topic_id else None})
        await self._check_tails(kept)
        if again:
            await self.outbox.published.bulk_write([ReplaceOne({"_id": d["_id"]}, d) for d in kept])
            return
        try:
            await self.outbox.published.insert_many(kept, ordered=False)
        except BulkWriteError as exc:  # a pass that died before deleting them published them already
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise
            await self.outbox.published.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in kept])

    async def _check_tails(self, kept: list[dict[str, Any]]) -> None:
        """Offsets that went back on a partition only this relay writes: the partition lost its tail."""
        first: dict[tuple[str, int, str | None], int] = {}
        for doc in kept:
            first.setdefault((doc["topic"], doc["partition"], doc["topic_id"]), doc["offset"])
        batch = [d["_id"] for d in kept]
        for (topic, partition, topic_id), offset in first.items():
            if topic_id is None:
                continue
            known = self._highest.get((topic, partition))
            if known is None:  # first publication there of this holder of the lease: ask what it was given
                latest = await self.outbox.published.find_one(
                    {"topic": topic, "partition": partition, "_id": {"$nin": batch}}, sort=[("offset", DESCENDING)]
                )
                known = (latest["topic_id"], latest["offset"]) if latest else None
            if known is not None and known[0] == topic_id and offset <= known[1]:
                lost = {"topic": topic, "topic_id": topic_id, "partition": partition, "offset": {"$gte": offset}}
                self._truncated.append({**lost, "_id": {"$nin": batch}})
        for doc in kept:
            self._note(doc["topic"], doc["partition"], doc["topic_id"], doc["offset"])

    def _note(self, topic: str, partition: int, topic_id: str | None, offset: int) -> None:
        known = self._highest.get((topic, partition))
        if known is None or known[0] != topic_id or known[1] < offset:
            self._highest[(topic, partition)] = (topic_id, offset)

    # -- what the broker lost ------------------------------------------------------------------------

    async def republish_lost(self) -> int:
        """Find the published events the broker no longer has, and publish them again in their order."""
        lost: list[dict[str, Any]] = []
        for topic in topics.ALL:
            current = self.topic_id(topic)
            if current is not None and self._checked_ids.get(topic) != current:
                # Kept under another id: that topic is gone, and its records with it.
                lost += await self.outbox.published.find({"topic": topic, "topic_id": {"$ne": str(current)}}).to_list()
                self._checked_ids[topic] = current
        lost += await self._truncated_tails()
        if not lost:
            return 0
        lost = latest_of_compacted(
            sorted({doc["_id"]: doc for doc in lost}.values(), key=lambda doc: (doc["created_at"], doc["_id"]))
        )
        for topic in sorted({doc["topic"] for doc in lost}):
            count = sum(1 for doc in lost if doc["topic"] == topic)
            REPUBLISHED.labels(topic).inc(count)
            log.warning("the broker lost %d published events of %s: publishing them again", count, topic)
        for start in range(0, len(lost), self.batch_size):
            await self._publish(lost[start : start + self.batch_size], again=True)
        return len(lost)

    async def _truncated_tails(self) -> list[dict[str, Any]]:
        """Events kept at or above an offset the broker gave again: the partition lost them."""
        queries, self._truncated = self._truncated, []
        return [doc for query in queries for doc in await self.outbox.published.find(query).to_list()]
