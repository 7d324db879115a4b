"""The broker as each process sees it, asked every second (``BrokerWatch``):

- **reachable**: its last metadata request answered (readiness reads this flag: it never waits on a
  broker that is away);
- **missing topics are created again**, with the platform's settings: a broker that restarted without
  its data (the local memory-only one does) has none of them, and nothing else would re-create them
  with the right partitions, replication and compaction;
- **a topic that lost its records is reported** to whoever registered (``on_topic_lost``): its id
  changed (it was created again) — consumers then read it again from its beginning, since the offsets
  they hold or committed belong to records that are gone.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable

from aiokafka import AIOKafkaClient, AIOKafkaConsumer, TopicPartition
from prometheus_client import Counter, Gauge

from messaging.kafka import ensure_topics
from messaging.settings import CommonSettings
from messaging.tasks import cancel_and_wait
from messaging.topic_ids import TopicState, describe_topics

log = logging.getLogger(__name__)

REACHABLE = Gauge("broker_reachable", "1 when the broker answered the last metadata request", ["client"])
TOPICS_LOST = Counter("broker_topics_lost_total", "Topics found re-created, their records lost", ["client", "topic"])
TOPICS_CREATED = Counter("broker_topics_created_total", "Missing topics created again", ["client"])
TOPIC_PARTITIONS = Gauge("broker_topic_partitions", "Partitions of each topic, as the broker describes it", ["topic"])

TopicLost = Callable[[str], Awaitable[None] | None]


class BrokerWatch:
    def __init__(
        self,
        settings: CommonSettings,
        client_id: str,
        topics: Iterable[str],
        *,
        interval: float = 1.0,
        timeout: float = 1.5,
    ):
        self.settings = settings
        self.client_id = client_id
        self.topics = sorted(set(topics))
        self.interval = interval
        self.timeout = timeout
        self._client: AIOKafkaClient | None = None
        self._offsets: AIOKafkaConsumer | None = None  # no group: only asks for end offsets
        self._states: dict[str, TopicState] = {}  # the topics the broker has now
        self._ids: dict[str, uuid.UUID] = {}  # the last id seen of each topic, even while it is missing
        self._last_ok = float("-inf")
        self._listeners: list[TopicLost] = []
        self._task: asyncio.Task[None] | None = None

    # -- what the others read ------------------------------------------------------------------------

    @property
    def reachable(self) -> bool:
        """The broker answered within the last few seconds."""
        return time.monotonic() - self._last_ok < max(3 * self.interval, self.timeout + self.interval)

    def topic_id(self, topic: str) -> uuid.UUID | None:
        state = self._states.get(topic)
        return state.topic_id if state else None

    def partitions(self, topic: str) -> int | None:
        state = self._states.get(topic)
        return state.partitions if state else None

    def on_topic_lost(self, callback: TopicLost) -> None:
        self._listeners.append(callback)

    async def end_offsets(self, topic: str) -> dict[int, int]:
        """partition → the offset the next record will get (raises when the broker does not answer)."""
        state = self._states.get(topic)
        if state is None:
            raise ConnectionError(f"topic {topic} not seen on the broker yet")
        if self._offsets is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                client_id=f"{self.client_id}-offsets",
                enable_auto_commit=False,
                request_timeout_ms=int(self.timeout * 2000),
            )
            await asyncio.wait_for(consumer.start(), self.timeout * 2)
            self._offsets = consumer
        partitions = [TopicPartition(topic, p) for p in range(state.partitions)]
        try:
            ends = await asyncio.wait_for(self._offsets.end_offsets(partitions), self.timeout * 2)
        except BaseException:
            consumer, self._offsets = self._offsets, None
            await consumer.stop()
            raise
        return {tp.partition: offset for tp, offset in ends.items()}

    # -- life ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        """A first look (creating what is missing), then one every ``interval`` seconds."""
        await self.check()
        self._task = asyncio.create_task(self._run(), name=f"broker-watch-{self.client_id}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self._drop_client()
        if self._offsets is not None:
            await self._offsets.stop()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a listener failed: the watch goes on
                log.exception("%s: broker watch pass failed", self.client_id)

    async def check(self) -> bool:
        """Ask the broker now; True when it answered."""
        try:
            states = await asyncio.wait_for(self._describe(), self.timeout)
        except Exception as exc:  # noqa: BLE001 - unreachable, or answering errors: not usable now
            if self.reachable:
                log.warning("%s: broker unreachable (%r)", self.client_id, exc)
            REACHABLE.labels(self.client_id).set(0)
            await self._drop_client()
            return False
        if not self.reachable:
            log.info("%s: broker reachable", self.client_id)
        self._last_ok = time.monotonic()
        REACHABLE.labels(self.client_id).set(1)
        missing = [name for name, state in states.items() if state is None]
        for name in missing:
            self._states.pop(name, None)
        if missing:
            await self._create(missing)
        for name, state in states.items():
            if state is not None:
                await self._note(name, state)
        return True

    # -- inside --------------------------------------------------------------------------------------

    async def _describe(self) -> dict[str, TopicState | None]:
        if self._client is None:
            client = AIOKafkaClient(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                client_id=f"{self.client_id}-watch",
                request_timeout_ms=int(self.timeout * 1000),
            )
            try:
                await client.bootstrap()
            except BaseException:
                await client.close()
                raise
            self._client = client
        return await describe_topics(self._client, self.topics)

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - closing a client to a dead broker
                pass

    async def _create(self, missing: list[str]) -> None:
        s = self.settings
        try:
            created = await ensure_topics(
                s.kafka_bootstrap_servers,
                s.topic_partitions,
                s.topic_replication_factor,
                missing,
                s.topic_min_insync_replicas,
            )
        except Exception as exc:  # noqa: BLE001 - the next pass tries again
            log.warning("%s: could not create the missing topics %s: %r", self.client_id, missing, exc)
            return
        if created:
            TOPICS_CREATED.labels(self.client_id).inc(len(created))
            lost = [name for name in created if name in self._ids]
            if lost:
                log.warning("%s: the broker had lost %d topics; created them again", self.client_id, len(lost))

    async def _note(self, name: str, state: TopicState) -> None:
        known = self._states.get(name)
        if state.partitions != self.settings.topic_partitions and (known is None or known != state):
            # Created by someone else with other settings (a broker's auto-creation, by hand): keys would
            # be spread otherwise than the platform expects. Said, not changed (that is an operator's call).
            log.error(
                "%s: topic %s has %d partitions, not TOPIC_PARTITIONS=%d: created outside the platform?",
                self.client_id, name, state.partitions, self.settings.topic_partitions,
            )  # fmt: skip
        TOPIC_PARTITIONS.labels(name).set(state.partitions)
        self._states[name] = state
        previous = self._ids.get(name)
        if state.topic_id is None or previous == state.topic_id:
            return
        self._ids[name] = state.topic_id
        if previous is None:
            return
        TOPICS_LOST.labels(self.client_id, name).inc()
        log.warning("%s: topic %s was created again (its records are lost): reading it anew", self.client_id, name)
        for listener in self._listeners:
            outcome = listener(name)
            if asyncio.iscoroutine(outcome):
                await outcome
