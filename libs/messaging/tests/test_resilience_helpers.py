"""Pure helpers of the broker and database recovery: which lost events go out again, probes that answer
on time, readiness documents, and client-library noise said once."""

import asyncio
import logging

from bson import ObjectId

from contracts import topics
from messaging.http import readiness_answer
from messaging.logs import OncePer
from messaging.outbox import latest_of_compacted
from messaging.tasks import within


def _event(topic: str, key: bytes) -> dict:
    return {"_id": ObjectId(), "topic": topic, "key": key}


def test_lost_events_go_out_again_in_order_but_a_compacted_key_only_with_its_latest_state():
    s1, status1, s2, status2, other = (
        _event(topics.STRUCTURES, b"A"),
        _event(topics.PIECES_STATUS, b"d1"),
        _event(topics.STRUCTURES, b"A"),
        _event(topics.PIECES_STATUS, b"d1"),
        _event(topics.STRUCTURES, b"B"),
    )
    assert latest_of_compacted([s1, status1, s2, status2, other]) == [status1, s2, status2, other]


async def test_a_probe_stuck_in_a_driver_does_not_hold_the_answer():
    """The driver ignores the timeout, and once cancelled takes its time to give up: the answer comes
    while it is still giving up, not after."""
    server_answers, driver_gives_up = asyncio.Event(), asyncio.Event()
    cancelled, finished = asyncio.Event(), asyncio.Event()

    async def stubborn() -> bool:
        try:
            await server_answers.wait()  # never: the server is gone
        except asyncio.CancelledError:
            cancelled.set()
            await driver_gives_up.wait()  # a driver that takes its time to give up
        finally:
            finished.set()
        return True

    # (were the answer to wait for the driver, this would time out instead of hanging the suite)
    assert await asyncio.wait_for(within(stubborn(), 0.2, False), 10) is False
    await cancelled.wait()
    assert not finished.is_set()  # answered while the driver still holds on
    driver_gives_up.set()
    await finished.wait()


async def test_a_probe_that_fails_counts_as_not_ready_and_one_that_answers_gives_its_answer():
    async def broken() -> bool:
        raise ConnectionError("down")

    async def fine() -> bool:
        return True

    assert await within(broken(), 1, False) is False
    assert await within(fine(), 1, False) is True


def test_readiness_is_200_only_when_every_check_holds_and_says_which_fails():
    assert readiness_answer({"broker": True, "database": True}) == (
        {"status": "ok", "checks": {"broker": True, "database": True}},
        200,
    )
    body, status = readiness_answer({"broker": False, "database": True})
    assert status == 503 and body["checks"]["broker"] is False
    assert readiness_answer(None) == ({"status": "unavailable", "checks": {"answered_in_time": False}}, 503)


def test_a_client_library_that_repeats_itself_is_heard_once_per_period():
    once = OncePer(seconds=60)

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("aiokafka", logging.ERROR, __file__, 1, msg, None, None)

    assert once.filter(record("Unable connect to node %s")) is True
    assert once.filter(record("Unable connect to node %s")) is False
    assert once.filter(record("Failed fetch messages from %s")) is True
