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
- **Read again by a new consumer** (``refresh``) when a pièce has waited too long for a structure deposit
  says exists (deposit announces it again meanwhile), and after any error the loop did not expect: a
  consumer left in a state that no longer fetches what is published (seen after a broker restart) is
  replaced rather than trusted. The loop itself never dies silently.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from contracts import ContractError, Structure, StructureUpserted, parse_event, topics
from messaging.tasks import cancel_and_wait
from routing.metrics import DIRECTORY_REFRESHES

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
        self._renew: str | None = None  # why the consumer is to be replaced by a new one
        self.refreshed_at = time.monotonic()  # when the topic was last read from its beginning
        self._target: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None

    def __call__(self, siret: str) -> Structure | None:
        return self.structures.get(siret)

    @property
    def running(self) -> bool:
        """The loop that follows the topic is alive (readiness says so)."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._consumer = await self._new_consumer()
        self._task = asyncio.create_task(self._run(), name="directory-view")

    async def _new_consumer(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        return consumer

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        if self._consumer is not None:
            await self._consumer.stop()

    def reread(self, topic: str = topics.STRUCTURES) -> None:
        """The broker lost the topic: read it again from its beginning (what is known stays)."""
        if topic == topics.STRUCTURES:
            log.warning("the directory topic was lost: reading it again (%d structures known)", len(self.structures))
            self._assign = True

    def refresh(self, reason: str) -> None:
        """Read the topic again from its beginning with a new consumer (what is known stays)."""
        self._renew = reason

    async def _renew_consumer(self) -> None:
        reason, self._renew = self._renew, None
        DIRECTORY_REFRESHES.labels(reason or "error").inc()
        log.warning("directory view: reading the topic again with a new consumer (%s)", reason)
        old, self._consumer = self._consumer, None
        if old is not None:
            try:
                await old.stop()
            except Exception:  # noqa: BLE001 - a consumer we give up on
                log.exception("directory view: the old consumer did not stop cleanly")
        self._consumer = await self._new_consumer()
        self._assign = True

    async def _run(self) -> None:
        while True:
            try:
                if self._renew is not None or self._consumer is None:
                    await self._renew_consumer()
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
            except Exception:  # noqa: BLE001 - never a silent end: log, and start over with a new consumer
                log.exception("directory view: unexpected error; a new consumer reads the topic again")
                self._renew = "unexpected error"
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
        self.refreshed_at = time.monotonic()

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
