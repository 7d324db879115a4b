"""Health and metrics endpoints every service exposes: ``/health/live``, ``/health/ready``, ``/metrics``,
behind ``OPS_TOKEN`` when it is set (``messaging.ops``)."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from messaging import ops
from messaging.problems import problem_responses
from messaging.tasks import within

Readiness = Callable[[], Awaitable[Mapping[str, bool]]]
READY_WITHIN_SECONDS = 1.8
_ops_bearer = HTTPBearer(auto_error=False, scheme_name=ops.SCHEME, description=ops.SCHEME_DESCRIPTION)


def readiness_answer(checks: Mapping[str, bool] | None) -> tuple[dict, int]:
    """The readiness document and its status: 200 when every check holds, else 503 saying which fail."""
    ok = bool(checks) and all(checks.values())
    body = {"status": "ok" if ok else "unavailable", "checks": dict(checks or {"answered_in_time": False})}
    return body, 200 if ok else 503


def operations_router(readiness: Readiness, ops_token: str | None = None) -> APIRouter:
    """``readiness``: the service's checks (name → holds); the answer comes within 2 s, whatever they do.
    With ``ops_token``, every endpoint asks for it (and the OpenAPI document says so)."""
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
        body, status = readiness_answer(await within(readiness(), READY_WITHIN_SECONDS, None))
        return JSONResponse(body, status_code=status)

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
