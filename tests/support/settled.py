"""The barrier after which "nothing else happens" can be asserted: the system has done everything it was
given to do so far.

``settled`` waits until, in one consistent look:

- deposit's outbox holds no event still to publish (an event written with a change is on its topic);
- every consumer group of the services has committed, on every partition of the topics it subscribes
  to, the broker's end offset: each service handled every event published so far (the consumers commit
  after handling, faust after its producer flushed what the handling sent);
- the recorder (the tests' downstream view) has read every partition it is assigned up to its end offset;
- notification's mail queue holds no mail (unless told not to look): each was sent or given up;
- no topic grew while this was checked (else it looks again).

Events the services make on their own later (timers: deadlines, the archive's sweep, deposit's
reconciler) are not waited for: those are what a test makes happen, and waits for, on purpose.
"""

import asyncio
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import AsyncMongoClient

from contracts import topics
from messaging.kafka import all_topic_names
from tests.support.recorder import TopicRecorder

# The consumer groups of the services and what they subscribe to (messaging.runtime names a group after its
# service, see each service's bootstrap.py; routing's group is faust's, one agent per topic in routing/app.py).
# Written out because the local broker (Tansu) describes no group's subscription.
SUBSCRIPTIONS = {
    "deposit": {topics.PIECES_ROUTED, topics.DEADLINES, topics.DOSSIERS_ARCHIVED},
    "routing": {topics.PIECES_SUBMITTED, topics.PIECES_STATUS, topics.DOSSIERS_REMOVED},
    "notification": {
        topics.STRUCTURES,
        topics.PIECES_STATUS,
        topics.DEADLINES,
        topics.DOSSIERS_REMOVED,
        topics.ACCOUNT_CODES,
    },
    "archive": {topics.PIECES_STATUS, topics.DOSSIERS_REMOVED},
}


@dataclass
class _Look:
    lagging: list[str]  # what is not done yet, said for the failure message

    @property
    def done(self) -> bool:
        return not self.lagging


class _Broker:
    """End offsets of every topic, and the offsets each service's group committed (read through a consumer
    of that group that joins nothing: the local broker answers the admin client's OffsetFetch badly)."""

    def __init__(self, bootstrap: str):
        # A short fetch wait: each look reads the partitions' high watermarks from one fetch round.
        self.reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
        self.groups = {
            group: AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
            for group in SUBSCRIPTIONS
        }
        self.partitions: list[TopicPartition] = []

    async def start(self) -> None:
        await self.reader.start()
        for consumer in self.groups.values():
            await consumer.start()
        for topic in all_topic_names():
            for partition in sorted(await self._partitions_of(topic)):
                self.partitions.append(TopicPartition(topic, partition))

    async def _partitions_of(self, topic: str) -> set[int]:
        found = self.reader.partitions_for_topic(topic)
        if not found:
            await self.reader._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public refresh
            found = self.reader.partitions_for_topic(topic)
        return found or set()

    async def stop(self) -> None:
        for consumer in self.groups.values():
            await consumer.stop()
        await self.reader.stop()

    async def end_offsets(self) -> dict[TopicPartition, int]:
        """The offset the next record of each partition will get: the broker's answer to ListOffsets, raised
        to the high watermark a fetch from there reports. The local broker (Tansu 0.6) answers ListOffsets,
        for a partition whose last write was a batch of records, with that batch's first offset + 1: taken
        alone, a barrier would pass while the rest of the batch is still unread."""
        listed = await self.reader.end_offsets(self.partitions)
        if not self.reader.assignment():
            self.reader.assign(self.partitions)
        asked = time.time() * 1000
        for tp, offset in listed.items():
            self.reader.seek(tp, offset)
        deadline = time.monotonic() + 10
        while any((self.reader.last_poll_timestamp(tp) or 0) < asked for tp in self.partitions):
            assert time.monotonic() < deadline, "no fetch answered for every partition in 10 s"
            await self.reader.getmany(timeout_ms=50)
        return {tp: max(offset, self.reader.highwater(tp) or 0) for tp, offset in listed.items()}

    async def committed(self, group: str) -> dict[TopicPartition, int]:
        """What ``group`` committed on the partitions of the topics it subscribes to (0: nothing yet)."""
        wanted = [tp for tp in self.partitions if tp.topic in SUBSCRIPTIONS[group]]
        # aiokafka's public committed() asks for one partition at a time; its coordinator asks for many.
        found = await self.groups[group]._coordinator.fetch_committed_offsets(wanted)  # noqa: SLF001
        return {tp: max(found[tp].offset, 0) if tp in found else 0 for tp in wanted}


async def settled(
    infrastructure, recorder: TopicRecorder | None = None, mails: bool | dict = True, timeout: float = 60
) -> None:
    """Until the services handled every event published so far, deposit published every event it wrote,
    the ``recorder`` (if given) read them all and no mail waits to be sent (``mails``: any, those matching
    that query, or False: the mails are not waited for); fails after ``timeout`` saying what still lagged."""
    broker = _Broker(infrastructure.kafka)
    mongo = AsyncMongoClient(infrastructure.mongodb_uri)
    await broker.start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            look = await _look(broker, mongo, recorder, {} if mails is True else mails)
            if look.done:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled after {timeout:.0f} s: " + "; ".join(look.lagging))
            await asyncio.sleep(0.1)
    finally:
        await broker.stop()
        await mongo.close()


async def _look(
    broker: _Broker, mongo: AsyncMongoClient, recorder: TopicRecorder | None, mail_query: dict | bool
) -> _Look:
    lagging: list[str] = []
    ends = await broker.end_offsets()
    for group in SUBSCRIPTIONS:
        committed = await broker.committed(group)
        for tp, offset in committed.items():
            if offset < ends[tp]:
                lagging.append(f"{group} at {offset} of {ends[tp]} on {tp.topic}[{tp.partition}]")
    for tp in recorder.assignment() if recorder else ():
        position = await recorder.position(tp)
        if position < ends.get(tp, 0):
            lagging.append(f"recorder at {position} of {ends[tp]} on {tp.topic}[{tp.partition}]")
    if pending := await mongo.deposit.outbox.count_documents({}):
        lagging.append(f"{pending} event(s) in deposit's outbox")
    if mail_query is not False and (queued := await mongo.notification.mail_queue.count_documents(mail_query)):
        lagging.append(f"{queued} mail(s) in notification's queue")
    if not lagging and await broker.end_offsets() != ends:
        lagging.append("the topics grew meanwhile")
    return _Look(lagging)
