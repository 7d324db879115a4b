"""Routing's view of the directory: every record of the compacted ``travaux.structures`` topic that
deposit publishes (key: SIRET, value: a StructureUpserted event), read in full by every routing worker
with a plain consumer of all the topic's partitions (no consumer group: nothing to commit).

- **Loaded** once it has read up to the end offsets it found when it started, and a fetch came back
  with nothing more: routing decides nothing before (its readiness says so).
- **Followed** live afterwards: a change reaches routing within a fraction of a second, and whoever
  waits for a structure (``on_change``) is told.
- **Read again from the beginning** when the broker lost the topic (``reread``, from the broker watch:
  the topic came back with another id) or lost its tail (a position beyond the end: the consumer starts
  over). What the view knows stays: structures are never deleted, and deposit announces the whole
  directory again, so the view never shrinks; and a record older than the one it holds (read again,
  or published again) is ignored, so it never goes back to an older state either.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from contracts import ContractError, Structure, StructureUpserted, parse_event, topics
from messaging.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def parse_structure(siret: str, raw: bytes | None) -> tuple[Structure, datetime] | None:
    """The structure a record announces, and when it was announced."""
    try:
        envelope = parse_event(raw)
    except ContractError as exc:
        log.error("travaux.structures record for %s is unreadable (%s): ignored", siret, exc)
        return None
    if not isinstance(envelope.data, StructureUpserted):
        log.error("travaux.structures record for %s is a %s: ignored", siret, envelope.type)
        return None
    return envelope.data.structure, envelope.time


class DirectoryView:
    """SIRET → ``Structure``, as the latest record of the topic says."""

    def __init__(self, bootstrap_servers: str, client_id: str, partitions: Callable[[], int | None]):
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self.partitions = partitions  # how many the topic has now (from the broker watch)
        self.structures: dict[str, Structure] = {}
        self._announced: dict[str, datetime] = {}  # when the structure held was announced
        self.loaded = asyncio.Event()
        self.changed = asyncio.Event()  # set whenever a record was applied
        self._consumer: AIOKafkaConsumer | None = None
        self._assign = True
        self._target: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None

    def __call__(self, siret: str) -> Structure | None:
        return self.structures.get(siret)

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name="directory-view")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        if self._consumer is not None:
            await self._consumer.stop()

    def reread(self, topic: str = topics.STRUCTURES) -> None:
        """The broker lost the topic: read it again from its beginning (what is known stays)."""
        if topic == topics.STRUCTURES:
            log.warning("the directory topic was lost: reading it again (%d structures known)", len(self.structures))
            self._assign = True

    async def _run(self) -> None:
        while True:
            try:
                if self._assign:
                    await self._assign_all()
                batches = await self._consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        self._apply(record.key, record.value)
                if batches:
                    self.changed.set()
                elif not self.loaded.is_set() and await self._caught_up():
                    self.loaded.set()
                    log.info("directory loaded: %d structures", len(self.structures))
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("directory view: broker unavailable (%r); retrying", exc)
                await asyncio.sleep(1.0)

    async def _assign_all(self) -> None:
        count = self.partitions()
        if not count:
            raise TimeoutError("the directory topic is not on the broker yet")
        partitions = [TopicPartition(topics.STRUCTURES, p) for p in range(count)]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        self._target = await asyncio.wait_for(self._consumer.end_offsets(partitions), 10)
        self._assign = False

    async def _caught_up(self) -> bool:
        for tp, end in self._target.items():
            if end > 0 and await self._consumer.position(tp) < end:
                return False
        return True

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        parsed = parse_structure((key or b"").decode(), value)
        if parsed is None:
            return
        structure, at = parsed
        if at >= self._announced.get(structure.siret, at):
            self.structures[structure.siret] = structure
            self._announced[structure.siret] = at
