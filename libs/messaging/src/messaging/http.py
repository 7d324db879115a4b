"""Health and metrics endpoints every service exposes: ``/health/live``, ``/health/ready``, ``/metrics``."""

from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from messaging.tasks import within

Readiness = Callable[[], Awaitable[Mapping[str, bool]]]
READY_WITHIN_SECONDS = 1.8


def readiness_answer(checks: Mapping[str, bool] | None) -> tuple[dict, int]:
    """The readiness document and its status: 200 when every check holds, else 503 saying which fail."""
    ok = bool(checks) and all(checks.values())
    body = {"status": "ok" if ok else "unavailable", "checks": dict(checks or {"answered_in_time": False})}
    return body, 200 if ok else 503


def operations_router(readiness: Readiness) -> APIRouter:
    """``readiness``: the service's checks (name → holds); the answer comes within 2 s, whatever they do."""
    router = APIRouter(tags=["operations"])

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/health/ready",
        summary="Broker, database and consumers are usable",
        responses={503: {"description": "Broker or database unreachable, or a consumer out of its group"}},
    )
    async def ready() -> JSONResponse:
        body, status = readiness_answer(await within(readiness(), READY_WITHIN_SECONDS, None))
        return JSONResponse(body, status_code=status)

    @router.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
