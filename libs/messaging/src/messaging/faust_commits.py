"""faust's Kafka consumer, without the way it loses commits.

faust 0.15 (``faust.transport.consumer.Consumer._commit_offsets``) records an offset as committed whether
or not the broker took the commit: when the group rebalances while a commit is in flight, aiokafka raises
``CommitFailedError("... already rebalanced ...")``, faust's driver swallows it and returns False, and faust
remembers the offset anyway. If the new assignment (which seeks the partition back to what the broker
holds) landed while that commit was in flight, faust then ignores the acknowledgements of the records it
reads again (it ignores any below the offset it believes committed) and never commits that partition again:
seen after a broker restart, routing's group at offset 1 of 68 for good, so that routing's next restart
would have read the whole partition again.

Here an offset counts as committed only once the broker took it; on a refused commit nothing is recorded,
the records are read again from what the broker holds, and their handlers' deduplication absorbs the
replay. ``PlatformApp`` (``messaging.faust_worker.make_app``) builds its consumer from this class.

And without the way its commits get stuck: faust commits a partition only up to the first offset missing
from its acknowledgements. When a partition is sought back (``forget_progress``, after the broker lost
the topic) while records fetched before the seek are still being handed to the agent, those records move
faust's "last read" offset past the records read again, which it then drops: their acknowledgements never
come, and the partition is never committed again (seen: routing's group at offset 1 of 74 for good, every
record after it handled). ``StuckCommits.check`` (a timer of every faust service) finds such a partition
— acknowledgements starting past the committed offset + 1, nothing being handled below them, on two looks
in a row — and reads it again from its committed offset; the handlers recognise what they already did.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import faust
from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from prometheus_client import Counter

log = logging.getLogger(__name__)

REFUSED = Counter(
    "faust_commits_refused_total", "Offset commits the broker did not take (read again from the last one it took)"
)
UNSTUCK = Counter("faust_partitions_unstuck_total", "Partitions read again from their committed offset", ["topic"])


class Consumer(driver.Consumer):
    async def _commit_offsets(self, offsets: Mapping[TP, int], start_new_transaction: bool = True) -> bool:
        assignment = self.assignment()
        committable = {tp: offset for tp, offset in offsets.items() if tp in assignment}
        if len(committable) < len(offsets):
            log.info("commit skipped for partitions no longer ours (their new owner reads them again)")
        if not committable:
            return False
        if self.in_transaction:
            did_commit = await self.transactions.commit(committable, start_new_transaction=start_new_transaction)
        else:
            await self.app.producer.flush()
            did_commit = await self._commit(committable)
        if not did_commit:
            REFUSED.inc()
            log.warning("commit of %s not taken by the broker; those records will be read again", _said(committable))
            return False
        self.app.tables.on_commit(committable)
        self._committed_offset.update(committable)
        self.app.monitor.on_tp_commit(committable)
        return True


class Transport(driver.Transport):
    Consumer = Consumer


class PlatformApp(faust.App):
    """A faust app whose consumer records only the commits the broker took (see the module)."""

    def _new_transport(self) -> Any:
        return Transport(self.conf.broker_consumer, self)


def forget_progress(consumer: Any, tp: TP, *, committed: bool = True) -> None:
    """What faust's consumer acknowledged on ``tp`` and, with ``committed``, what it believes committed there
    (faust 0.15's private bookkeeping), before the partition is sought elsewhere."""
    if committed:
        consumer._committed_offset[tp] = None  # noqa: SLF001
    for name in ("_acked", "_acked_index", "_gap"):
        getattr(consumer, name).pop(tp, None)


@dataclass(frozen=True)
class Hole:
    committed: int  # the offset faust committed last (the next record to hand out after it)
    first_acked: int  # the lowest offset acknowledged since: the records in between never were


def holes(consumer: Any) -> dict[TP, Hole]:
    """Partitions whose acknowledgements start past the committed offset + 1 while nothing below them is
    being handled: faust will not commit them again unless they are read again."""
    in_flight: dict[TP, int] = {}
    for message in list(consumer._unacked_messages):  # noqa: SLF001
        in_flight[message.tp] = min(in_flight.get(message.tp, message.offset), message.offset)
    found: dict[TP, Hole] = {}
    for tp in consumer.assignment():
        acked, committed = consumer._acked.get(tp), consumer._committed_offset.get(tp)  # noqa: SLF001
        if not acked or committed is None:
            continue
        first = min(acked)
        if first > committed + 1 and in_flight.get(tp, first) >= first:
            found[tp] = Hole(committed, first)
    return found


STUCK_CHECK_SECONDS = 5.0


class StuckCommits:
    """Reads again, from its committed offset, a partition found with the same hole on two looks in a row."""

    def __init__(self, app: faust.App):
        self.app = app
        self._seen: dict[TP, Hole] = {}

    async def check(self) -> list[TP]:
        consumer = self.app.consumer
        if consumer._commit_fut is not None:  # noqa: SLF001 - a commit in flight: its offsets left the acks
            return []
        found = holes(consumer)
        stuck = [tp for tp, hole in found.items() if self._seen.get(tp) == hole]
        for tp in stuck:
            hole = found.pop(tp)
            log.warning(
                "%s[%d]: acknowledged from %d but committed at %d, nothing in between being handled: reading it "
                "again from %d", tp.topic, tp.partition, hole.first_acked, hole.committed, hole.committed,
            )  # fmt: skip
            UNSTUCK.labels(tp.topic).inc()
            forget_progress(consumer, tp, committed=False)
            await consumer.seek(tp, hole.committed)
        self._seen = found
        return stuck


def _said(offsets: Mapping[TP, int]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]@{offset}" for tp, offset in sorted(offsets.items()))
