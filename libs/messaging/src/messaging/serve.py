"""A service as an HTTP app (FastAPI) whose lifespan starts and stops its runtime, and its process."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from messaging import problems
from messaging.body_limit import BodyLimit
from messaging.http import operations_router
from messaging.logs import configure
from messaging.ratelimit import EXEMPT_PREFIXES, RateLimit, TokenBuckets
from messaging.settings import CommonSettings
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
    settings: CommonSettings,
    body_limits: dict[str, int] | None = None,
) -> FastAPI:
    """``start()`` builds the service's context (stored as ``app.state.ctx``) before the first
    request; ``stop(ctx)`` runs at shutdown. Errors answer as RFC 9457 problems. Every request is
    rate-limited per token (``RATE_LIMIT_*``) and its body bounded: ``MAX_REQUEST_BYTES``, or the
    maximum ``body_limits`` gives its route (``{"POST /v1/things/{id}": bytes}``). Health and metrics
    ask for ``OPS_TOKEN`` when it is set."""

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
    app.add_middleware(BodyLimit, default_max=settings.max_request_bytes, limits=body_limits)
    if settings.rate_limit_per_second > 0:  # added last: the outermost, a throttled request costs nothing
        buckets = TokenBuckets(settings.rate_limit_per_second, settings.rate_limit_burst, settings.rate_limit_max_keys)
        app.add_middleware(RateLimit, buckets=buckets)
    _document_answers(app, settings, body_limits or {})

    async def readiness() -> dict[str, bool]:
        ctx: ServiceContext | None = getattr(app.state, "ctx", None)
        return {"started": False} if ctx is None else await ctx.checks()

    app.include_router(operations_router(readiness, settings.ops_token))
    return app


def _document_answers(app: FastAPI, settings: CommonSettings, body_limits: dict[str, int]) -> None:
    """Every operation's OpenAPI ``responses`` say what is sent: the 429 and, with a body, the 413 the
    middlewares answer; a 422 as a problem document, not FastAPI's own validation error."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        problems.document_validation_errors(schema)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if "requestBody" in operation:
                    limit = body_limits.get(f"{method.upper()} {path}", settings.max_request_bytes)
                    text = f"Corps de plus de {limit} octets (`requete_trop_volumineuse`)"
                    _add_problem(responses, "413", text)
                if settings.rate_limit_per_second > 0 and not path.startswith(EXEMPT_PREFIXES):
                    text = (
                        "Trop de requêtes pour ce jeton (`trop_de_requetes`) ; réessayer après `Retry-After` secondes"
                    )
                    _add_problem(responses, "429", text)
                    responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_problem(responses: dict[str, Any], status: str, text: str) -> None:
    if status in responses:
        responses[status]["description"] += f" ; {text}"
    else:
        responses.update({status: problems.problem_responses({int(status): text})[int(status)]})


# How long an idle client connection is kept open. Longer than any client's or load balancer's own idle
# timeout (httpx 5 s, most proxies 60 s), as aiohttp's 75 s in the faust services: the client always closes
# an idle connection first. The other way round (uvicorn's default 5 s against httpx's 5 s), a request sent
# on a connection the server is closing fails with a read error (seen in the tests: `httpx.ReadError` at a fixture's
# first request after an idle gap).
KEEP_ALIVE_SECONDS = 75


def run(name: str, app: FastAPI, port: int, host: str, log_level: str) -> None:
    configure(name, log_level)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        access_log=False,
        lifespan="on",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
