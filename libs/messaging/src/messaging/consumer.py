"""The consumer loop every aiokafka-based service runs.

- One registry maps a payload type to its handler: what happens when X arrives is read in one place.
- Each record goes through ``messaging.delivery.deliver``, the policy faust's agents follow too
  (``messaging.faust_worker``): a value that does not honour the contracts, or a handler's
  ``PermanentError``, goes to ``<topic>.dlt`` with the reason in headers, and the loop goes on;
  infrastructure errors and ``TransientError`` are retried without end (the record is not skipped); other
  handler errors are retried a few times, then dead-lettered.
- Offsets are committed only after every record before them was handled: at-least-once delivery,
  made exactly-once in effect by handlers that deduplicate on the event id.
- A broker that lost its data (``messaging.broker``): the topics it lost are read again from their
  beginning, and no offset of a topic read before its loss is committed after it (such an offset,
  committed into the re-created topic, would skip the records below it).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from prometheus_client import Counter
from pydantic import BaseModel

from messaging.delivery import (  # the policy, and the names services import from here
    DEAD_LETTERED,
    HANDLED,
    RETRY_FOREVER,
    Handler,
    Headers,
    PermanentError,
    TransientError,
    dead_letter,
    deliver,
)
from messaging.kafka import METADATA_MAX_AGE_MS, group_timeouts
from messaging.tasks import cancel_and_wait

__all__ = [
    "DEAD_LETTERED",
    "HANDLED",
    "RETRY_FOREVER",
    "EventConsumer",
    "Handler",
    "JoinedListener",
    "PermanentError",
    "TransientError",
    "persistently",
]

log = logging.getLogger(__name__)

REREAD = Counter("consumer_topics_reread_total", "Topics read again from their beginning after a loss", ["consumer"])
# After a topic was found re-created, partitions of it assigned within this many seconds are read from
# their beginning too: the group re-forms around the broker's restart, before or after the watch sees it.
REREAD_WINDOW_SECONDS = 60.0

T = TypeVar("T")


async def persistently(what: str, work: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``work(*args)``, retried without end while the database or the broker is away (never skipped)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await work(*args)
        except RETRY_FOREVER as exc:
            delay = min(0.2 * 2 ** min(attempt, 6), 5.0)
            log.warning("%s: infrastructure error, retrying in %.1fs: %r", what, delay, exc)
            await asyncio.sleep(delay)


def _partitions(tps: Any) -> str:
    """``topic[0,2,3]`` for each topic of ``tps``, for the logs."""
    by_topic: dict[str, list[int]] = {}
    for tp in tps:
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    return "; ".join(f"{topic}{sorted(ps)}" for topic, ps in sorted(by_topic.items())) or "nothing"


class JoinedListener(ConsumerRebalanceListener):
    """Sets ``event`` once the consumer has joined its group and received an assignment."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.event.set()


class _Rebalances(JoinedListener):
    """Logs each assignment and re-reads, on assignment, the partitions of topics recently found lost."""

    def __init__(self, owner: "EventConsumer") -> None:
        super().__init__()
        self.owner = owner

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("%s: assigned %s", self.owner.name, _partitions(assigned))
        await self.owner.reread_recent_losses(assigned)
        await super().on_partitions_assigned(assigned)


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        bootstrap_servers: str,
        group_id: str,
        group_instance_id: str | None,
        topics_: list[str],
        registry: Mapping[type[BaseModel], Handler],
        producer: AIOKafkaProducer,
        max_attempts: int = 5,
        max_records: int = 500,
        fetch_max_wait_ms: int = 100,
        session_timeout_seconds: float = 10.0,
    ):
        self.name = name
        self.registry = dict(registry)
        self.producer = producer
        self.max_attempts = max_attempts
        self.max_records = max_records
        self._joined = _Rebalances(self)
        self.losses = 0  # bumped at every loss
        self._lost_at: dict[str, int] = {}  # topic -> ``losses`` once it was last found lost
        self._lost: dict[str, float] = {}  # topic -> when it was found re-created
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            group_instance_id=group_instance_id,
            client_id=name,
            **group_timeouts(session_timeout_seconds),
            fetch_max_wait_ms=fetch_max_wait_ms,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
        )
        self._topics = topics_
        self._task: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """Joined its group and got an assignment (possibly empty when replicas outnumber partitions)."""
        return self._joined.event.is_set() and self._task is not None and not self._task.done()

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.subscribe(self._topics, listener=self._joined)
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.name}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self._consumer.stop()

    async def topic_lost(self, topic: str) -> None:
        """The broker lost ``topic``'s records (it was created again): read it from its beginning."""
        self._lost[topic] = time.monotonic()
        self.losses += 1
        self._lost_at[topic] = self.losses
        await self.reread_recent_losses(self._consumer.assignment())

    async def reread_recent_losses(self, assigned: Any) -> None:
        now = time.monotonic()
        recent = {topic for topic, at in self._lost.items() if now - at < REREAD_WINDOW_SECONDS}
        partitions = [tp for tp in assigned if tp.topic in recent]
        if partitions:
            log.warning("%s: reading %s again from the beginning", self.name, _partitions(partitions))
            REREAD.labels(self.name).inc()
            await self._consumer.seek_to_beginning(*partitions)

    async def _run(self) -> None:
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=500, max_records=self.max_records)
            except KafkaError as exc:
                log.warning("%s: fetch failed, retrying: %r", self.name, exc)
                await asyncio.sleep(1.0)
                continue
            # Counted once the records are returned, not before the call: getmany waits out a rebalance (for
            # as long as it takes), and records it returns come from the positions as they are now (aiokafka
            # drops what it fetched before a seek), including the seeks to the beginning of lost topics.
            losses = self.losses
            if batches:
                # Partitions are independent: handle them concurrently, each one in order.
                await asyncio.gather(*(self._handle_partition(tp, records, losses) for tp, records in batches.items()))

    async def _handle_partition(self, tp: TopicPartition, records: list[ConsumerRecord], losses: int) -> None:
        for record in records:
            try:
                await self._handle_record(record)
            except Exception:  # noqa: BLE001 - e.g. the dead-letter topic unreachable: never skip a record
                log.exception(
                    "%s: %s offset %d could not be handled or dead-lettered; will retry", self.name, tp, record.offset
                )
                if record is not records[0]:
                    await self._commit(tp, record.offset, losses)
                if not self._lost_since(tp.topic, losses) and tp in self._consumer.assignment():
                    self._consumer.seek(tp, record.offset)
                await asyncio.sleep(1.0)
                return
        await self._commit(tp, records[-1].offset + 1, losses)

    def _lost_since(self, topic: str, losses: int) -> bool:
        """The broker lost ``topic`` after the fetch that began at loss count ``losses``."""
        return self._lost_at.get(topic, 0) > losses

    async def _commit(self, tp: TopicPartition, offset: int, losses: int) -> None:
        """Commit what was handled, unless the broker lost this topic since it was fetched (``losses``: the
        loss count before the fetch): the offset may point past the records of the re-created topic, which
        is read again from its beginning (``reread_recent_losses``). A loss of another topic changes nothing
        here, and after a mere rebalance the offset still means the same record: committed if the partition
        is still ours (skipping it left handled records uncommitted for good when no other record came —
        lag that never drained); a partition given to another member is left to it, which re-reads from the
        last commit."""
        lost = self._lost_since(tp.topic, losses)
        if lost or tp not in self._consumer.assignment():
            why = "its topic was lost since the fetch" if lost else "no longer ours"
            log.info("%s: %s@%d not committed (%s)", self.name, tp, offset, why)
            return
        try:
            await self._consumer.commit({tp: offset})
        except KafkaError as exc:
            # Lost the partition in a rebalance: its new owner re-reads from the last commit and the
            # handlers' deduplication absorbs the replay.
            log.warning("%s: commit of %s@%d failed (%s); records will be re-delivered", self.name, tp, offset, exc)

    async def _handle_record(self, record: ConsumerRecord) -> None:
        await deliver(record, self.registry, self._send, consumer=self.name, max_attempts=self.max_attempts)

    async def _dead_letter(self, record: ConsumerRecord, code: str, reason: str) -> None:
        await dead_letter(record, code, reason, consumer=self.name, send=self._send)

    async def _send(self, topic: str, key: bytes | None, value: bytes | None, headers: Headers) -> None:
        await self.producer.send_and_wait(topic, value=value, key=key, headers=headers)
