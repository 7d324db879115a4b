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


def stuck_state(consumer_, committed: int, acked: range, in_flight: list[int] = ()) -> list[Message]:
    """faust's bookkeeping of PARTITION: committed at ``committed``, ``acked`` acknowledged since, and
    ``in_flight`` handed to the agent but not acknowledged yet (returned: faust keeps them weakly)."""
    consumer_._committed_offset[PARTITION] = committed
    consumer_._acked[PARTITION] = list(acked)
    consumer_._acked_index[PARTITION] = set(acked)
    messages = [Message(acked=False, tp=PARTITION, offset=o, topic=PARTITION.topic) for o in in_flight]
    for message in messages:
        consumer_._unacked_messages.add(message)
    return messages


class Seeks:
    def __init__(self, consumer_):
        self.done: list[tuple[TP, int]] = []

        async def seek(tp, offset) -> None:
            self.done.append((tp, offset))

        consumer_.seek = seek


async def test_a_partition_acknowledged_past_a_hole_nothing_will_fill_is_read_again_from_its_committed_offset():
    consumer_, _ = consumer(broker_takes=True)
    stuck_state(consumer_, committed=1, acked=range(18, 68))  # 1..17 handled before a seek, their acks lost
    seeks, repair = Seeks(consumer_), faust_commits.StuckCommits(consumer_.app)

    assert faust_commits.holes(consumer_) == {PARTITION: faust_commits.Hole(committed=1, first_acked=18)}
    assert await repair.check() == []  # one look: it may be a moment of a normal run
    assert await repair.check() == [PARTITION]  # the same hole again: it will not fill

    assert seeks.done == [(PARTITION, 1)]
    assert PARTITION not in consumer_._acked and consumer_._committed_offset[PARTITION] == 1
    # read again from 1, each record's acknowledgement counts, and faust commits past them
    for offset in range(1, 68):
        assert consumer_.ack(Message(acked=False, tp=PARTITION, offset=offset, topic=PARTITION.topic))
    assert consumer_._new_offset(PARTITION) == 68


async def test_a_hole_below_records_still_being_handled_is_left_alone():
    consumer_, _ = consumer(broker_takes=True)
    in_flight = stuck_state(consumer_, committed=1, acked=range(18, 68), in_flight=[1, 2])  # noqa: F841 - kept
    seeks, repair = Seeks(consumer_), faust_commits.StuckCommits(consumer_.app)

    assert faust_commits.holes(consumer_) == {}
    await repair.check()
    await repair.check()
    assert seeks.done == []


async def test_contiguous_acknowledgements_are_no_hole():
    consumer_, _ = consumer(broker_takes=True)
    stuck_state(consumer_, committed=1, acked=range(1, 68))
    assert faust_commits.holes(consumer_) == {}
    assert consumer_._new_offset(PARTITION) == 68


async def test_a_hole_that_changes_between_two_looks_is_not_read_again_yet():
    consumer_, _ = consumer(broker_takes=True)
    stuck_state(consumer_, committed=1, acked=range(18, 68))
    seeks, repair = Seeks(consumer_), faust_commits.StuckCommits(consumer_.app)
    await repair.check()
    stuck_state(consumer_, committed=17, acked=range(19, 70))  # progress was made meanwhile
    assert await repair.check() == []
    assert seeks.done == []
