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
"""

import logging
from collections.abc import Mapping
from typing import Any

import faust
from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from prometheus_client import Counter

log = logging.getLogger(__name__)

REFUSED = Counter(
    "faust_commits_refused_total", "Offset commits the broker did not take (read again from the last one it took)"
)


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


def _said(offsets: Mapping[TP, int]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]@{offset}" for tp, offset in sorted(offsets.items()))
