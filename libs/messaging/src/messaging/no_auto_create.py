"""No client of ours creates a topic by asking for it.

aiokafka's metadata requests ask the broker to create any topic they name that it lacks
(``allow_auto_topic_creation``, always true in aiokafka 0.14, which faust uses too). A broker that allows
it — Apache Kafka's default, the local broker always — creates such a topic with its own defaults: the
local one with 4 partitions and no compaction. After a broker came back empty, the platform's topics were
then created by whichever producer or consumer asked first, before the broker watch
(``messaging.broker``) could create them with the platform's settings; and the local broker accepts
records for partitions a topic does not have, so producers that knew 6 partitions wrote where consumers
of 4 never read (routing's directory view missed structures deposit kept announcing).

``refuse()`` (called when ``messaging`` is imported) makes every metadata request of the process ask
without creating: a missing topic stays missing until the watch creates it (producers wait for it)."""

import functools
from typing import Any

from aiokafka.protocol import metadata

_MARK = "_travaux_refuses_auto_creation"


def refuse() -> None:
    original = metadata.MetadataRequest.__init__
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def init(self: Any, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = False) -> None:
        original(self, topics, allow_auto_topic_creation)

    setattr(init, _MARK, True)
    metadata.MetadataRequest.__init__ = init  # type: ignore[method-assign]


def refused() -> bool:
    """True when this process's metadata requests no longer create topics."""
    return getattr(metadata.MetadataRequest.__init__, _MARK, False)
