"""The shared part of a faust service (``messaging.faust_worker``): the operations pages the aiokafka
services serve too, and the delivery policy handed each agent's event."""

from types import SimpleNamespace

from aiohttp.test_utils import TestClient, TestServer

from contracts import topics
from messaging.clock import Clock
from messaging.faust_worker import FaustWorker, make_app
from messaging.settings import CommonSettings


def worker(checks: dict[str, bool], clock: Clock | None = None) -> FaustWorker:
    app = make_app("worker-pages", CommonSettings(), web_port=6066, web_host="127.0.0.1")
    shared = FaustWorker(app, "worker-pages")

    async def readiness() -> dict[str, bool]:
        return checks

    async def allow(request) -> None:
        return None

    shared.serve(
        ops_token=None, openapi={"openapi": "3.1.0", "paths": {}}, readiness=readiness, clock=clock, authorize=allow
    )
    app.web.init_server()
    return shared


async def test_health_readiness_and_metrics_are_served_as_on_the_other_services():
    checks = {"broker": True, "database": False}
    client = TestClient(TestServer(worker(checks).app.web.web_app))
    await client.start_server()
    try:
        assert (await (await client.get("/health/live")).json()) == {"status": "ok"}
        ready = await client.get("/health/ready")
        assert ready.status == 503 and (await ready.json()) == {"status": "unavailable", "checks": checks}
        checks["database"] = True
        assert (await client.get("/health/ready")).status == 200
        assert (await client.get("/metrics")).status == 200
        assert (await client.get("/admin/clock")).status == 404  # no clock given: CLOCK_CONTROL off
    finally:
        await client.close()


async def test_the_clock_page_is_served_when_given_a_clock():
    client = TestClient(TestServer(worker({"ok": True}, Clock()).app.web.web_app))
    await client.start_server()
    try:
        assert (await client.post("/admin/clock", json={"offset_seconds": 60})).status == 200
    finally:
        await client.close()


async def test_an_agents_event_follows_the_delivery_policy_and_its_dead_letters_go_through_the_producer():
    shared, sent = worker({}), []

    async def send_and_wait(topic, key, value, partition, timestamp, headers):
        sent.append((topic, key, value, headers))

    shared.app._producer = SimpleNamespace(send_and_wait=send_and_wait)
    message = SimpleNamespace(topic=topics.PIECES_STATUS, partition=1, offset=9, key=b"d", value=b"{not json")
    await shared.deliver(SimpleNamespace(message=message), {})
    [(topic, key, value, headers)] = sent
    assert topic == topics.dead_letter(topics.PIECES_STATUS) and (key, value) == (b"d", b"{not json")
    assert headers[topics.DLT_CONSUMER] == b"worker-pages" and headers[topics.DLT_SOURCE_OFFSET] == b"9"
