"""faust's consumer records an offset as committed only once the broker took it (``messaging.faust_commits``):
a commit refused across a rebalance leaves the records to be read again and committed then."""

from types import SimpleNamespace

from faust.types import TP

from messaging import faust_commits
from messaging.faust_worker import make_app
from messaging.settings import CommonSettings

PARTITION = TP("travaux.pieces.submitted", 5)


class Message(SimpleNamespace):  # what faust's ack() reads of a message (kept in a weak set)
    __hash__ = object.__hash__


def consumer(broker_takes: bool):
    app = make_app("commits", CommonSettings(), web_port=6067, web_host="127.0.0.1")
    consumer = app.consumer
    taken: list[dict] = []

    async def commit(offsets) -> bool:
        if broker_takes:
            taken.append(dict(offsets))
        return broker_takes

    async def flush() -> None:
        return None

    consumer._commit = commit
    consumer.assignment = lambda: {PARTITION}
    app._producer = SimpleNamespace(flush=flush)
    app.topics._acking_topics.add(PARTITION.topic)  # as when an agent reads it
    return consumer, taken


def test_the_platforms_faust_apps_build_this_consumer():
    consumer_, _ = consumer(broker_takes=True)
    assert isinstance(consumer_, faust_commits.Consumer)


async def test_a_commit_the_broker_took_is_recorded():
    consumer_, taken = consumer(broker_takes=True)
    assert await consumer_._commit_offsets({PARTITION: 68}) is True
    assert taken == [{PARTITION: 68}]
    assert consumer_._committed_offset[PARTITION] == 68


async def test_a_commit_the_broker_refused_is_not_recorded_so_the_records_read_again_are_acknowledged():
    consumer_, _ = consumer(broker_takes=False)
    consumer_._committed_offset[PARTITION] = 1  # what the broker holds, as the new assignment read it
    refused_before = faust_commits.REFUSED._value.get()

    assert await consumer_._commit_offsets({PARTITION: 68}) is False

    assert consumer_._committed_offset[PARTITION] == 1
    assert faust_commits.REFUSED._value.get() == refused_before + 1
    # faust acknowledges only offsets at or above the one it believes committed: offset 1, read again,
    # counts (with faust's own bookkeeping it was ignored, as below 68, and the partition never committed).
    message = Message(acked=False, tp=PARTITION, offset=1, topic=PARTITION.topic)
    assert consumer_.ack(message) is True


async def test_partitions_no_longer_ours_are_left_to_their_new_owner():
    consumer_, taken = consumer(broker_takes=True)
    other = TP("travaux.pieces.status", 0)
    assert await consumer_._commit_offsets({other: 3}) is False
    assert taken == [] and consumer_._committed_offset[other] is None
