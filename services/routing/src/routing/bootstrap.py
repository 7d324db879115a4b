"""Composition root of routing: builds, from the settings, the context the handlers and the sweep use
(settings, business clock, deadline store, directory view, publisher, waiting pièces) and the faust side
around it (the app, the shared worker, the broker watch, the agents' re-reads, the callers' tokens).
Nothing here decides anything: ``routing.handlers`` and ``routing.usecases`` do."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import faust

from contracts import topics
from messaging.broker import BrokerWatch
from messaging.consumer import persistently
from messaging.faust_worker import FaustWorker, make_app, raw_topic
from messaging.kafka import all_topic_names
from messaging.mongo import make_client
from readmodel.principals import Principals
from routing.adapters.deadline_store import DeadlineStore as MongoDeadlineStore
from routing.adapters.publisher import FaustPublisher
from routing.context import RoutingContext
from routing.directory import DirectoryView
from routing.rereads import AgentRereads
from routing.settings import RoutingSettings


@dataclass
class Routing:
    """The faust side: the app, its topics, and what watches the broker."""

    ctx: RoutingContext
    app: faust.App
    worker: FaustWorker
    watch: BrokerWatch
    directory: DirectoryView
    rereads: AgentRereads
    principals: Principals  # who calls the pages (deposit's GET /v1/moi)
    topics: dict[str, faust.TopicT]  # the topics the agents read, by name
    assigned: bool = False  # the group gave this worker its partitions at least once
    background: set[asyncio.Future] = field(default_factory=set)  # sweeps started by the clock page

    async def checks(self) -> dict[str, bool]:
        return {
            "broker": self.watch.reachable,
            "database": await self.ctx.deadlines.ping(),
            "assigned": self.assigned and not self.app.rebalancing,
            # Loaded, and no pièce waiting for a structure the view lacks.
            "directory": self.directory.running and self.directory.loaded.is_set() and not self.ctx.waiting,
        }

    def on_assigned(self) -> None:
        self.assigned = True
        self.rereads.assigned()

    async def start(self) -> None:
        await self.watch.start()
        await self.directory.start()
        await persistently("deadline indexes", self.ctx.deadlines.ensure_indexes)

    async def stop(self) -> None:
        await self.directory.stop()
        await self.watch.stop()
        await self.principals.close()

    def in_background(self, work: Callable[[], object]) -> None:
        future = asyncio.ensure_future(work())  # type: ignore[arg-type]
        self.background.add(future)
        future.add_done_callback(self.background.discard)


def build(settings: RoutingSettings | None = None) -> Routing:
    settings = settings or RoutingSettings()
    app = make_app(
        "routing",
        settings,
        web_port=settings.routing_http_port,
        web_host=settings.http_host,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
    )
    read = {
        name: raw_topic(app, name) for name in (topics.PIECES_SUBMITTED, topics.PIECES_STATUS, topics.DOSSIERS_REMOVED)
    }
    watch = BrokerWatch(settings, "routing", all_topic_names())
    directory = DirectoryView(
        settings.kafka_bootstrap_servers, "routing-directory", lambda: watch.partitions(topics.STRUCTURES)
    )
    rereads = AgentRereads(app)
    watch.on_topic_lost(rereads.topic_lost)
    watch.on_topic_lost(directory.reread)
    ctx = RoutingContext(
        settings=settings,
        directory=directory,
        publisher=FaustPublisher(app, buffered={topics.PIECES_ROUTED: raw_topic(app, topics.PIECES_ROUTED)}),
        open_deadlines=lambda: MongoDeadlineStore(
            make_client(settings.mongodb_uri)[settings.routing_database], settings.ecb_main_refinancing_rate
        ),
    )
    return Routing(
        ctx=ctx,
        app=app,
        worker=FaustWorker(app, "routing"),
        watch=watch,
        directory=directory,
        rereads=rereads,
        principals=Principals(settings.deposit_public_url, settings.auth_cache_seconds),
        topics=read,
    )
