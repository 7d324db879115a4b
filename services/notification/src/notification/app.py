"""The notification service's HTTP side: health, metrics and what was sent for a dossier."""

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response

from messaging.internal import extended_json, internal_router
from messaging.serve import service_app
from notification import bootstrap
from notification.settings import NotificationSettings

router = APIRouter(tags=["notifications"])


@router.get("/v1/dossiers/{dossier_id}/notifications", summary="E-mails envoyés pour un dossier")
async def notifications(request: Request, dossier_id: str) -> list[dict[str, Any]]:
    return await request.app.state.ctx.deliveries.of_dossier(dossier_id)


def internal(token: str | None) -> APIRouter:
    """What the archive service copies a dossier's notification records from (``messaging.internal``)."""
    router = internal_router(token)

    @router.get("/dossiers/{dossier_id}/notifications")
    async def records(request: Request, dossier_id: str) -> Response:
        return extended_json(await request.app.state.ctx.deliveries.records_of(dossier_id))

    return router


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    return service_app(
        title="Factures de travaux — notifications",
        description="Courriels aux acteurs des dossiers de facturation de travaux.",
        start=lambda: bootstrap.start(settings),
        stop=bootstrap.stop,
        routers=[router, internal(settings.internal_token)],
        settings=settings,
    )
