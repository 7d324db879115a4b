"""A service as an HTTP app (FastAPI) whose lifespan starts and stops its runtime, and its process."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from messaging import problems
from messaging.http import operations_router
from messaging.logs import configure
from messaging.unavailable import UNAVAILABLE_RESPONSE, install_unavailable


class ServiceContext(Protocol):
    async def checks(self) -> dict[str, bool]: ...


def service_app(
    *,
    title: str,
    description: str,
    start: Callable[[], Awaitable[Any]],
    stop: Callable[[Any], Awaitable[None]],
    routers: list[APIRouter],
) -> FastAPI:
    """``start()`` builds the service's context (stored as ``app.state.ctx``) before the first
    request; ``stop(ctx)`` runs at shutdown. Errors answer as RFC 9457 problems."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = await start()
        try:
            yield
        finally:
            await stop(app.state.ctx)

    # The /docs and /redoc pages serve their JavaScript from the package, not from a CDN: they work
    # on machines without Internet access.
    app = FastAPIOffline(title=title, version="0.1.0", description=description, lifespan=lifespan)
    problems.install(app)
    install_unavailable(app)
    for router in routers:
        app.include_router(router, responses=UNAVAILABLE_RESPONSE)  # any of them may find the database away

    async def readiness() -> dict[str, bool]:
        ctx: ServiceContext | None = getattr(app.state, "ctx", None)
        return {"started": False} if ctx is None else await ctx.checks()

    app.include_router(operations_router(readiness))
    return app


def run(name: str, app: FastAPI, port: int, host: str, log_level: str) -> None:
    configure(name, log_level)
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower(), access_log=False, lifespan="on")
