"""``python -m archive.mover``: the periodic sweep, a faust timer (period ``ARCHIVE_SWEEP_SECONDS``).

Each tick moves the dossiers stale at the business clock's now (``messaging.clock``; ``/admin/clock``
moves it when ``CLOCK_CONTROL`` is on; the administrator only) and resumes the moves a dead worker left.
Replicas may run side by side: a dossier is claimed by one move at a time. Health, readiness and
Prometheus metrics are served on ``ARCHIVE_MOVER_PORT``, with the OpenAPI document (``archive.mover_openapi``);
none of faust's own pages: the shared faust worker (``messaging.faust_worker``).
"""

import asyncio
import logging

import faust

from archive import mover_openapi
from archive.bootstrap import open_context, stop
from archive.context import ArchiveContext
from archive.settings import ArchiveSettings
from messaging.clock import Clock
from messaging.consumer import RETRY_FOREVER
from messaging.faust_worker import FaustWorker, make_app
from messaging.logs import configure
from readmodel.auth import administrator
from readmodel.principals import Principals

log = logging.getLogger(__name__)
settings = ArchiveSettings()
clock = Clock()

app = make_app("archive-mover", settings, web_port=settings.archive_mover_port, web_host=settings.http_host)
worker = FaustWorker(app, "archive-mover")
principals = Principals(settings.deposit_public_url, settings.auth_cache_seconds)  # /admin/clock's callers


class MoverProcess:
    """What this process holds once started: its context, and the sweep running now (one at a time,
    cancelled at shutdown)."""

    def __init__(self) -> None:
        self.ctx: ArchiveContext | None = None
        self.lock = asyncio.Lock()
        self.sweep: asyncio.Future | None = None


process = MoverProcess()


@app.task
async def _prepare() -> None:
    process.ctx = await open_context(settings, "archive-mover")
    log.info("archive mover ready: a sweep every %.0f s", settings.archive_sweep_seconds)


@app.on_before_shutdown.connect
async def _close(app: faust.App, **kwargs: object) -> None:
    """Stop a running sweep first (its moves resume from their recorded step), then close the stores."""
    sweep, process.sweep = process.sweep, None
    if sweep is not None and not sweep.done():
        sweep.cancel()
        await asyncio.wait([sweep], timeout=10)
    ctx, process.ctx = process.ctx, None
    if ctx is not None:
        await stop(ctx)
    await principals.close()


async def sweep_once() -> None:
    ctx = process.ctx
    if ctx is None or process.lock.locked():
        return  # not ready yet, or the previous sweep still runs
    async with process.lock:
        process.sweep = sweep = asyncio.ensure_future(ctx.mover.sweep(clock.now()))
        try:
            report = await asyncio.shield(sweep)
        except asyncio.CancelledError:
            if not sweep.cancelled():
                raise  # this timer itself is being cancelled
            log.info("archive sweep stopped by the shutdown")
            return
        except RETRY_FOREVER as exc:  # the database or the broker away: a crash here would stop the worker
            log.warning("archive sweep interrupted (%r); the next one resumes its moves", exc)
            return
        finally:
            if sweep.done() and process.sweep is sweep:  # else the shutdown still has to stop it
                process.sweep = None
        if report.outcomes:
            log.info("archive sweep done: %s", report.summary())


@app.timer(interval=settings.archive_sweep_seconds)
async def sweep_archive() -> None:
    await sweep_once()


async def readiness() -> dict[str, bool]:
    ctx = process.ctx
    return {"started": False} if ctx is None else await ctx.runtime.checks()


worker.serve(  # health, readiness, metrics, /openapi.json and, with CLOCK_CONTROL, /admin/clock (sweeps at once)
    ops_token=settings.ops_token,
    openapi=mover_openapi.document(settings),
    readiness=readiness,
    clock=clock if settings.clock_control else None,
    authorize=lambda request: administrator(principals, request.headers.get("Authorization")),
    moved=lambda: asyncio.ensure_future(sweep_once()),
)


def main() -> None:
    configure("archive-mover", settings.log_level)
    faust.Worker(app, loglevel=settings.log_level, override_logging=False).execute_from_commandline()


if __name__ == "__main__":
    main()
