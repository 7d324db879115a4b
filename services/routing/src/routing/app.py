"""The faust-streaming application: routes submitted pièces with the directory's parameters, and owns time.

Thin agents and timers: each record goes to the shared worker (``messaging.faust_worker``: the delivery
policy of every service, dead letters included), which hands it to its handler
(``routing.handlers.registry``); the sweep is ``routing.usecases.deadline_sweep``; what they all work with
is built by ``routing.bootstrap``.

- ``route_pieces`` consumes ``travaux.pieces.submitted`` and publishes one decision per submission on
  ``travaux.pieces.routed``: the recipient and status, or a routing error the issuer can fix.
- ``watch_deadlines`` consumes ``travaux.pieces.status`` and keeps, per dossier in MongoDB, the facts the
  legal deadlines are computed from; ``sweep_deadlines`` publishes each deadline on ``travaux.deadlines``
  once it falls due by the business clock (``messaging.clock``); ``forget_archived`` drops a dossier's
  facts once it moved to the archive (``travaux.dossiers.removed``).
- ``directory``: the structures, read in full from ``travaux.structures`` (``routing.directory``). A pièce
  naming a structure the view does not know *waits* for it (deposit checked that it exists: the view is
  behind), and is decided as soon as the view learns it (``route_waiting``); never a
  ``structure_inconnue`` error. One waiting longer than ``DIRECTORY_REFRESH_SECONDS`` has the view read
  its topic anew with a new consumer (``check_waiting``).
- ``watch``: the broker as this worker sees it (``messaging.broker``): readiness, topics created again
  when the broker lost them, and the agents and the directory reading a lost topic again
  (``routing.rereads``).
- HTTP (faust's web server, none of its built-in pages): health, readiness (``Routing.checks``),
  ``/metrics``, ``/openapi.json`` (``routing.openapi``) and ``/admin/clock`` from ``messaging.faust_worker``;
  the pages people read in ``routing.views``, each behind a bearer token.

``at_least_once``: offsets are committed after the work is done. A re-delivered submission yields the
same decision event id; a re-delivered status event is recorded once (by event id); a deadline
published twice (a crash between publishing and remembering it) keeps its id. Consumers drop the
duplicates: exactly once in effect. A submission lost with the broker, or waiting here when the worker
died, comes again from deposit's reconciler, with the same id.
"""

import asyncio
import time
from functools import partial

import faust

from contracts import topics
from readmodel.auth import administrator
from routing import bootstrap, openapi, views
from routing.handlers.piece_submitted import refresh_if_stale
from routing.handlers.piece_submitted import route_waiting as decide_waiting
from routing.handlers.registry import CARRIES, handlers
from routing.usecases.deadline_sweep import sweep_logged

routing = bootstrap.build()
app, ctx = routing.app, routing.ctx
settings = ctx.settings  # the log level (``routing.__main__``); the pages served (tests/test_openapi.py)
registry = handlers(ctx)


@app.on_partitions_assigned.connect
async def _on_assigned(app: faust.App, assigned: set, **kwargs: object) -> None:
    routing.on_assigned()


@app.task
async def _prepare() -> None:
    await routing.start()


@app.on_before_shutdown.connect
async def _close(app: faust.App, **kwargs: object) -> None:
    await routing.stop()


@app.agent(routing.topics[topics.PIECES_SUBMITTED])
async def route_pieces(stream: faust.StreamT) -> None:
    async for event in stream.events():
        await routing.worker.deliver(event, registry, CARRIES[topics.PIECES_SUBMITTED])


@app.agent(routing.topics[topics.PIECES_STATUS])
async def watch_deadlines(stream: faust.StreamT) -> None:
    async for event in stream.events():
        await routing.worker.deliver(event, registry, CARRIES[topics.PIECES_STATUS])


@app.agent(routing.topics[topics.DOSSIERS_REMOVED])
async def forget_archived(stream: faust.StreamT) -> None:
    async for event in stream.events():
        await routing.worker.deliver(event, registry, CARRIES[topics.DOSSIERS_REMOVED])


@app.task
async def route_waiting() -> None:
    """Each time the directory view learns something, decide the pièces that were waiting for it."""
    while True:
        await ctx.directory.changed.wait()
        ctx.directory.changed.clear()
        await decide_waiting(ctx)
        await asyncio.sleep(0.2)  # a directory published whole arrives as a burst: decide once per burst


@app.timer(interval=min(5.0, settings.directory_refresh_seconds / 2))
async def check_waiting() -> None:
    """Pièces waiting too long for a structure: the directory view reads its topic anew."""
    refresh_if_stale(ctx, time.monotonic())


@app.timer(interval=settings.deadline_sweep_seconds)
async def sweep_deadlines() -> None:
    await sweep_logged(ctx)


routing.worker.serve(
    ops_token=settings.ops_token,
    openapi=openapi.document(settings),
    readiness=routing.checks,
    clock=ctx.clock if settings.clock_control else None,  # moving it sweeps at once
    authorize=lambda request: administrator(routing.principals, request.headers.get("Authorization")),
    moved=lambda: routing.in_background(partial(sweep_logged, ctx)),
)
views.install(app, settings, routing.principals, ctx.directory, lambda: ctx.deadlines)
