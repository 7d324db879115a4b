"""The archive service's HTTP side: health, metrics, and a dossier's last activity."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request
from pydantic import BaseModel

from archive import bootstrap
from archive.settings import ArchiveSettings
from messaging import problems
from messaging.http import operations_router
from messaging.problems import Problem


class DossierActivity(BaseModel):
    dossier_id: str
    first_seen_at: datetime
    last_activity_at: datetime
    statuts_vus: list[str]


def create_app(settings: ArchiveSettings | None = None) -> FastAPI:
    settings = settings or ArchiveSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = await bootstrap.start(settings)
        try:
            yield
        finally:
            await bootstrap.stop(app.state.ctx)

    app = FastAPI(title="Factures de travaux — archives", version="0.1.0", lifespan=lifespan)

    async def ready() -> bool:
        return await app.state.ctx.ready()

    problems.install(app)
    app.include_router(operations_router({"ready": ready}))

    @app.get(
        "/v1/dossiers/{dossier_id}/activite",
        response_model=DossierActivity,
        tags=["archives"],
        summary="Dernière activité connue d'un dossier",
    )
    async def activity(request: Request, dossier_id: str) -> DossierActivity:
        record = await request.app.state.ctx.activity.get(dossier_id)
        if record is None:
            raise Problem(
                "dossier_inconnu", "Dossier inconnu", f"Aucune activité connue pour le dossier {dossier_id}.", 404
            )
        return DossierActivity(dossier_id=record["_id"], **{k: v for k, v in record.items() if k != "_id"})

    return app
