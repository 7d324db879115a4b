"""Transactional outbox: an event is written in the same MongoDB transaction as the state it announces,
then a relay publishes it to Kafka and deletes it.

A crash between the two only delays the event: the next relay publishes it. A crash after publishing
but before deleting publishes it again with the same event id, which consumers drop as a duplicate.
With several replicas, one relay at a time holds a lease, so events leave in the order they were
written (per dossier: per Kafka key).
"""

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from bson import ObjectId
from prometheus_client import Counter, Gauge
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts import Envelope, spec_of, utcnow
from messaging.tasks import cancel_and_wait

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_published_total", "Events relayed from the outbox to Kafka")
PENDING = Gauge("outbox_pending", "Events waiting in the outbox at the last relay pass")


class Outbox:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["outbox"]
        self.lease = database["outbox_lease"]
        self.wakeup = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("created_at", ASCENDING), ("_id", ASCENDING)])

    async def add(self, envelope: Envelope[Any], session: AsyncClientSession) -> None:
        """Record ``envelope`` for publication; call inside the transaction that makes the change."""
        await self.collection.insert_one(
            {
                "_id": ObjectId(),  # ordered within a process; created_at orders across processes
                "event_id": str(envelope.id),
                "topic": spec_of(envelope.data).topic,
                "key": envelope.key,
                "value": envelope.to_bytes(),
                "created_at": utcnow(),
            },
            session=session,
        )

    def notify(self) -> None:
        """Tell the relay in this process that a transaction with events just committed."""
        self.wakeup.set()


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        producer: AIOKafkaProducer,
        *,
        lease_seconds: float = 10.0,
        poll_seconds: float = 0.2,
        batch_size: int = 500,
    ):
        self.outbox = outbox
        self.producer = producer
        self.owner = uuid.uuid4().hex
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self._lease_until = utcnow()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            try:
                published = await self.relay_once() if await self._hold_lease() else 0
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

    async def _hold_lease(self) -> bool:
        now = utcnow()
        if now < self._lease_until - timedelta(seconds=self.lease_seconds / 2):
            return True  # renewed recently enough
        try:
            await self.outbox.lease.find_one_and_update(
                {"_id": "relay", "$or": [{"owner": self.owner}, {"expires_at": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "expires_at": now + timedelta(seconds=self.lease_seconds)}},
                upsert=True,
            )
            self._lease_until = now + timedelta(seconds=self.lease_seconds)
            return True
        except DuplicateKeyError:
            return False  # another replica's relay holds a live lease

    async def relay_once(self) -> int:
        """Publish one batch of pending events in write order; returns how many were published."""
        documents = await (
            self.outbox.collection.find({})
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(self.batch_size)
            .to_list()
        )
        PENDING.set(len(documents))
        if not documents:
            return 0
        deliveries = [await self.producer.send(doc["topic"], value=doc["value"], key=doc["key"]) for doc in documents]
        await asyncio.gather(*deliveries)
        await self.outbox.collection.delete_many({"_id": {"$in": [doc["_id"] for doc in documents]}})
        PUBLISHED.inc(len(documents))
        return len(documents)
