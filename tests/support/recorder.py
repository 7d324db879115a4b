"""A downstream system's view of the topics: a consumer-group member that records every event."""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import ContractError, Envelope, parse_event
from messaging.consumer import JoinedListener
from messaging.kafka import METADATA_MAX_AGE_MS


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]

    @property
    def event(self) -> Envelope[Any] | None:
        """The parsed CloudEvent, or None for a value that does not honour the contracts."""
        try:
            return parse_event(self.value)
        except ContractError:
            return None

    def is_about(self, piece_id: str) -> bool:
        return self.is_about_any({piece_id})

    def is_about_any(self, piece_ids: set[str]) -> bool:
        event = self.event
        piece = getattr(event.data, "piece", None) if event else None
        return piece is not None and piece.piece_id in piece_ids


class TopicRecorder:
    def __init__(self, bootstrap_servers: str, topics: list[str], group_id: str):
        self.records: list[Record] = []
        self._assigned = JoinedListener()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            auto_offset_reset="earliest",
            enable_auto_commit=True,
            metadata_max_age_ms=METADATA_MAX_AGE_MS,  # sees a topic the broker lost again once it is re-created
        )
        self._topics = topics
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.subscribe(self._topics, listener=self._assigned)
        self._task = asyncio.create_task(self._run())

    async def wait_assigned(self, timeout: float = 120) -> None:
        await asyncio.wait_for(self._assigned.event.wait(), timeout)

    async def _run(self) -> None:
        async for message in self._consumer:
            self.records.append(Record(message.topic, message.key, message.value, dict(message.headers or ())))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self._consumer.stop()

    def assignment(self) -> set[TopicPartition]:
        return self._consumer.assignment()

    async def position(self, tp: TopicPartition) -> int:
        """The offset of the next record of ``tp`` the recorder will read: every one before is in ``records``."""
        return await self._consumer.position(tp)

    def on(self, topic: str) -> list[Record]:
        return [r for r in self.records if r.topic == topic]

    async def wait_for(self, topic: str, predicate, count: int = 1, timeout: float = 30.0) -> list[Record]:
        """The records of ``topic`` matching ``predicate``, once at least ``count`` arrived; fails after
        ``timeout`` saying what it waited for (never a partial list)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.on(topic) if predicate(r)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                what = getattr(predicate, "__doc__", None) or getattr(predicate, "__name__", "a predicate")
                raise AssertionError(
                    f"waited {timeout:.0f} s on {topic} for {count} record(s) matching {what.strip()}: {len(found)} came"
                )
            await asyncio.sleep(0.1)

    async def wait_for_each(
        self, topic: str, key, keys, predicate=lambda r: True, timeout: float = 90.0
    ) -> list[Record]:
        """The records of ``topic`` matching ``predicate`` whose ``key(record)`` is one of ``keys``, once each
        of ``keys`` has at least one; fails after ``timeout`` naming those still missing."""
        wanted = set(keys)

        def ours(record: Record) -> bool:
            return record.event is not None and predicate(record) and key(record) in wanted

        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.on(topic) if ours(r)]
            missing = wanted - {key(r) for r in found}
            if not missing:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:.0f} s on {topic}: nothing came for {sorted(missing)}")
            await asyncio.sleep(0.1)
