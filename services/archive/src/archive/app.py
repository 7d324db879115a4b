"""The archive service's HTTP side: health, metrics, and a dossier's last activity."""

from datetime import datetime

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from archive import bootstrap
from archive.settings import ArchiveSettings
from messaging.problems import Problem
from messaging.serve import service_app

router = APIRouter(tags=["archives"])


class DossierActivity(BaseModel):
    dossier_id: str
    first_seen_at: datetime
    last_activity_at: datetime
    statuts_vus: list[str]


@router.get(
    "/v1/dossiers/{dossier_id}/activite",
    response_model=DossierActivity,
    summary="Dernière activité connue d'un dossier",
)
async def activity(request: Request, dossier_id: str) -> DossierActivity:
    record = await request.app.state.ctx.activity.get(dossier_id)
    if record is None:
        raise Problem(
            "dossier_inconnu", "Dossier inconnu", f"Aucune activité connue pour le dossier {dossier_id}.", 404
        )
    return DossierActivity(dossier_id=record["_id"], **{k: v for k, v in record.items() if k != "_id"})


def create_app(settings: ArchiveSettings | None = None) -> FastAPI:
    settings = settings or ArchiveSettings()
    return service_app(
        title="Factures de travaux — archives",
        description="Dernière activité des dossiers ; archivage des dossiers inactifs depuis deux ans.",
        start=lambda: bootstrap.start(settings),
        stop=bootstrap.stop,
        routers=[router],
    )
