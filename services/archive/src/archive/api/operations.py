"""What ops run and read: an on-demand sweep (the platform administrator), and a dossier's activity (its
parties and the administrator)."""

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from archive.api.models import SweepAnswer
from contracts.dates import IsoDate
from messaging.problems import Problem, problem_responses
from readmodel.access import follows_dossier
from readmodel.auth import ADMIN, AUTH, Caller, admin_only

router = APIRouter(tags=["exploitation"])


@router.post(
    "/admin/archivage",
    response_model=SweepAnswer,
    summary="Lancer un archivage maintenant",
    description="Déplace aux archives les dossiers sans activité depuis plus de deux ans à la date `au` "
    "(aujourd'hui par défaut ; une autre date sert au rattrapage et aux essais), et reprend les déplacements "
    "interrompus. Réservé à l'administrateur de la plateforme. La réponse donne les comptes : `announced` "
    "(copiés, vérifiés, annoncés : le service de dépôt les retire puis l'archive les publie), `aborted` "
    "(activité pendant le déplacement), `absent`, `failed` (repris au prochain passage).",
    responses=problem_responses({**ADMIN, 422: "Paramètre invalide (`champ_invalide`)"}),
)
async def sweep_now(
    request: Request,
    caller: Caller,
    au: Annotated[IsoDate | None, Query(description="Date de référence (défaut : aujourd'hui)")] = None,
    # Bounded: the database's limit is a 64-bit integer (limite=99999999999999999999 was a 500 OverflowError).
    limite: Annotated[int | None, Query(ge=1, le=1_000_000, description="Nombre maximal de dossiers traités")] = None,
) -> SweepAnswer:
    admin_only(caller)
    as_of = datetime.combine(au, time(0), tzinfo=UTC) if au else datetime.now(UTC)
    report = await request.app.state.ctx.mover.sweep(as_of, limite)
    return SweepAnswer(**report.summary())


class DossierActivity(BaseModel):
    dossier_id: str
    first_seen_at: datetime
    last_activity_at: datetime
    phase: str
    etape: str | None = None
    statuts_vus: list[str]


@router.get(
    "/v1/dossiers/{dossier_id}/activite",
    response_model=DossierActivity,
    summary="Dernière activité connue d'un dossier, et où en est son archivage",
    description="Pour les structures parties au dossier et l'administrateur de la plateforme ; les autres "
    "reçoivent 404, comme pour un dossier inconnu.",
    responses=problem_responses({**AUTH, 404: "Aucune activité connue, ou dossier non visible (`dossier_inconnu`)"}),
)
async def activity(request: Request, dossier_id: str, caller: Caller) -> DossierActivity:
    activity_log = request.app.state.ctx.activity
    record = await activity_log.get(dossier_id)
    if record is None or not follows_dossier(caller, activity_log.parties(record)):
        raise Problem(
            "dossier_inconnu", "Dossier inconnu", f"Aucune activité connue pour le dossier {dossier_id}.", 404
        )
    return DossierActivity(
        dossier_id=record["_id"],
        first_seen_at=record["first_seen_at"],
        last_activity_at=record["last_activity_at"],
        phase=record.get("phase", "active"),
        etape=(record.get("move") or {}).get("step"),
        statuts_vus=record.get("statuts_vus", []),
    )
