"""What a faust service runs besides its own agents, the same as the aiokafka services run it.

- ``make_app``: the ``faust.App`` with the platform's settings (brokers, static membership and short
  session, partitions, the web server on the service's port with none of faust's own pages), whose
  consumer records only the commits the broker took and whose partitions stuck behind a hole in faust's
  acknowledgements are read again (``messaging.faust_commits``).
- ``FaustWorker.deliver``: an agent hands each event to it; the record then follows the one delivery
  policy (``messaging.delivery``: parse, handler by payload type, retries, dead letters with the
  ``topics.DLT_*`` headers), as on ``messaging.consumer.EventConsumer``.
- ``FaustWorker.serve``: ``/health/live``, ``/health/ready`` (the service's checks, answered within 2 s),
  ``/metrics``, ``/openapi.json`` and, with ``CLOCK_CONTROL``, ``/admin/clock``; errors as problems and
  ``OPS_TOKEN`` on the operations pages (``messaging.faust_web``).
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import faust

from messaging import faust_web
from messaging.clock import Clock
from messaging.delivery import Handler, Headers, deliver
from messaging.faust_commits import STUCK_CHECK_SECONDS, PlatformApp, StuckCommits
from messaging.http import READY_WITHIN_SECONDS, readiness_answer
from messaging.kafka import METADATA_MAX_AGE_MS
from messaging.settings import CommonSettings
from messaging.tasks import within

log = logging.getLogger(__name__)

# Topics read and written as bytes: the contracts parse and serialise the CloudEvents themselves.
RAW: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
Readiness = Callable[[], Awaitable[Mapping[str, bool]]]


def make_app(name: str, settings: CommonSettings, *, web_port: int, web_host: str, **options: Any) -> faust.App:
    """The faust app ``name`` (its consumer group too); ``options`` add to or override the common ones."""
    common: dict[str, Any] = {
        "broker": [f"kafka://{server.strip()}" for server in settings.kafka_bootstrap_servers.split(",")],
        "store": "memory://",
        "topic_partitions": settings.topic_partitions,
        "topic_replication_factor": settings.topic_replication_factor,
        # Static membership and a short session: a restarted worker takes its predecessor's place in the
        # group at once instead of waiting for the dead member to time out.
        "broker_session_timeout": settings.kafka_session_timeout_seconds,
        "broker_heartbeat_interval": settings.kafka_session_timeout_seconds / 3,
        "consumer_group_instance_id": settings.group_instance_id(name),
        "broker_commit_interval": settings.faust_commit_interval_seconds,
        "consumer_metadata_max_age_ms": METADATA_MAX_AGE_MS,
        "producer_metadata_max_age_ms": METADATA_MAX_AGE_MS,
        "web_port": web_port,
        "web_bind": web_host,
        "web_host": web_host,
        **faust_web.PAGES_OFF,
    }
    app = PlatformApp(name, **{**common, **options})
    stuck = StuckCommits(app)

    @app.timer(interval=STUCK_CHECK_SECONDS, name=f"{name}.unstick_commits")
    async def unstick_commits() -> None:
        try:
            await stuck.check()
        except Exception:  # noqa: BLE001 - faust's private bookkeeping changed shape: said, never fatal
            log.exception("%s: the check of stuck commits failed", name)

    return app


def raw_topic(app: faust.App, name: str) -> faust.TopicT:
    return app.topic(name, **RAW)


class FaustWorker:
    """The shared part of a faust service: its consumer name (in metrics and dead-letter headers), the
    delivery policy, the operations pages."""

    def __init__(self, app: faust.App, name: str, *, max_attempts: int = 5):
        self.app = app
        self.name = name
        self.max_attempts = max_attempts

    async def deliver(
        self, event: faust.EventT, registry: Mapping[type, Handler], expected: tuple[type, ...] | None = None
    ) -> None:
        """Hand one event of an agent's stream to its handler (``messaging.delivery.deliver``); ``expected``:
        the payload types the topic carries (anything else is dead-lettered as ``unexpected_type``)."""
        await deliver(
            event.message,
            registry,
            self.send,
            consumer=self.name,
            max_attempts=self.max_attempts,
            expected=expected,
        )

    async def send(self, topic: str, key: bytes | None, value: bytes | None, headers: Headers | None = None) -> None:
        """One record, once the broker acknowledged it."""
        await self.app.producer.send_and_wait(topic, key, value, None, None, dict(headers) if headers else None)

    def serve(
        self,
        *,
        ops_token: str | None,
        openapi: Mapping[str, Any],
        readiness: Readiness,
        clock: Clock | None = None,
        authorize: Callable[[faust.web.Request], Awaitable[object]] | None = None,
        moved: Callable[[], object] = lambda: None,
    ) -> None:
        """The operations pages (call before the worker starts). ``readiness``: the service's checks (name →
        holds); with ``clock`` (give it only when ``CLOCK_CONTROL`` is on) and ``authorize``, ``/admin/clock``,
        which calls ``moved`` after moving the clock (``messaging.faust_web.clock_page``)."""
        app = self.app
        faust_web.secure(app, ops_token=ops_token, openapi=openapi)

        @app.page("/health/live")
        async def live(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
            return web.json({"status": "ok"})

        @app.page("/health/ready")
        async def ready(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
            body, status = readiness_answer(await within(readiness(), READY_WITHIN_SECONDS, None))
            return web.json(body, status=status)

        if clock is not None:
            if authorize is None:
                raise ValueError("/admin/clock needs an authorize callable")
            faust_web.clock_page(app, clock, authorize, moved)
