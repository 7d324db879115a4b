"""Faust's agents after the broker lost a topic they read (it came back with another id).

faust's consumer still holds what it knew of the records that are gone: positions, committed offsets,
and the last offset it read per partition, below which it drops whatever it receives. The new topic's
records reach those numbers again, and the ones below would be skipped. So once the group has settled,
the agents' partitions of that topic are sought back to their beginning (what was already handled is
recognised by its event id); again after any rebalance that follows within a minute, since the group
re-forms around a broker restart before or after the watch notices it.

faust also ignores acknowledgements at or below the offset it last committed, and commits nothing until
the acknowledged offsets pass it: its bookkeeping of those partitions is forgotten with the seek, or the
group's commits would stay behind (seen: committed offset 1 of 200 after a broker restart, so that the
next restart of routing read the whole topic again).
"""

import asyncio
import logging
import time

import faust
from prometheus_client import Counter

from messaging.faust_commits import forget_progress

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
SETTLE_SECONDS = 120.0
REREAD = Counter("routing_topics_reread_total", "Topics the agents read again after the broker lost them", ["topic"])


class AgentRereads:
    def __init__(self, app: faust.App):
        self.app = app
        self._lost: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def topic_lost(self, topic: str) -> None:
        self._lost[topic] = time.monotonic()
        self._schedule()

    def assigned(self) -> None:
        """Partitions were assigned: those of recently lost topics are read again too."""
        if self._recent():
            self._schedule()

    def _recent(self) -> set[str]:
        now = time.monotonic()
        return {topic for topic, at in self._lost.items() if now - at < WINDOW_SECONDS}

    def _schedule(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.ensure_future(self._reread())

    async def _reread(self) -> None:
        while True:
            self._again = False
            settle_by = time.monotonic() + SETTLE_SECONDS
            while self.app.rebalancing and time.monotonic() < settle_by:
                await asyncio.sleep(0.2)
            recent = self._recent()
            partitions = sorted(tp for tp in self.app.consumer.assignment() if tp.topic in recent)
            for tp in partitions:
                forget_progress(self.app.consumer, tp)
                await self.app.consumer.seek(tp, 0)
            for topic in sorted({tp.topic for tp in partitions}):
                REREAD.labels(topic).inc()
                log.warning("reading %s again from its beginning (the broker lost it)", topic)
            if not self._again:
                return
