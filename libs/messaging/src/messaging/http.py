"""Health and metrics endpoints every service exposes: ``/health/live``, ``/health/ready``, ``/metrics``,
behind ``OPS_TOKEN`` when it is set (``messaging.ops``)."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from messaging import ops
from messaging.problems import problem_responses

Check = Callable[[], Awaitable[bool]]
_ops_bearer = HTTPBearer(auto_error=False, scheme_name=ops.SCHEME, description=ops.SCHEME_DESCRIPTION)


def operations_router(checks: Mapping[str, Check], ops_token: str | None = None) -> APIRouter:
    """``checks``: name → async probe; ready only when every probe answers True within 2 s. With
    ``ops_token``, every endpoint asks for it (and the OpenAPI document says so)."""
    if not ops_token:
        router = APIRouter(tags=["operations"])
    else:

        async def guard(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_ops_bearer)]):
            refusal = ops.ops_refusal(request.headers.get("authorization"), ops_token)
            if refusal is not None:
                raise refusal

        router = APIRouter(
            tags=["operations"], dependencies=[Depends(guard)], responses=problem_responses({401: ops.REFUSED})
        )

    health = {"application/json": {"schema": ops.HEALTH_SCHEMA}}

    @router.get("/health/live", summary="The process is up", responses={200: {"content": health}})
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/health/ready",
        summary="Broker, database and consumers are usable",
        responses={200: {"content": health}, 503: {"description": ops.NOT_READY, "content": health}},
    )
    async def ready() -> JSONResponse:
        async def run(check: Check) -> bool:
            try:
                return await asyncio.wait_for(check(), 2.0)
            except Exception:  # noqa: BLE001 - a probe that fails means "not ready"
                return False

        names = list(checks)
        results = await asyncio.gather(*(run(checks[name]) for name in names))
        status = dict(zip(names, results, strict=True))
        ok = all(results)
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": status}, status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
