"""The notification service's HTTP side: health, metrics and what was sent for a dossier."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request

from messaging import problems
from messaging.http import operations_router
from notification import bootstrap
from notification.settings import NotificationSettings


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = await bootstrap.start(settings)
        try:
            yield
        finally:
            await bootstrap.stop(app.state.ctx)

    app = FastAPI(title="Factures de travaux — notifications", version="0.1.0", lifespan=lifespan)

    async def ready() -> bool:
        return await app.state.ctx.ready()

    problems.install(app)
    app.include_router(operations_router({"ready": ready}))

    @app.get(
        "/v1/dossiers/{dossier_id}/notifications", tags=["notifications"], summary="E-mails envoyés pour un dossier"
    )
    async def notifications(request: Request, dossier_id: str) -> list[dict[str, Any]]:
        return await request.app.state.ctx.deliveries.of_dossier(dossier_id)

    return app
