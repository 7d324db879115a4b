"""Health and metrics endpoints every service exposes: ``/health/live``, ``/health/ready``, ``/metrics``."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[bool]]


def operations_router(checks: Mapping[str, Check]) -> APIRouter:
    """``checks``: name → async probe; ready only when every probe answers True within 2 s."""
    router = APIRouter(tags=["operations"])

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", summary="Broker, database and consumers are usable")
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

    @router.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
