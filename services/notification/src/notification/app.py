"""The notification service's HTTP side: health, metrics and what was sent for a dossier (to its parties
and the platform administrator, with the bearer tokens of deposit)."""

from datetime import datetime

from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel, Field

from messaging.internal import extended_json, internal_router
from messaging.problems import Problem, problem_responses
from messaging.serve import service_app
from notification import bootstrap
from notification.context import NotificationContext
from notification.settings import NotificationSettings
from readmodel.access import follows_dossier
from readmodel.auth import AUTH, Caller

router = APIRouter(tags=["notifications"])


class SentMail(BaseModel):
    """One mail of the dossier: one per (event, recipient)."""

    email: str = Field(description="To whom")
    subject: str | None = None
    template: str | None = Field(default=None, description="The rule's template (`action_attendue`, …)")
    role: str | None = Field(default=None, description="The recipient structure's role in the dossier")
    siret: str | None = Field(default=None, description="The recipient structure")
    dossier_id: str
    piece_id: str | None = None
    statut: str | None = Field(default=None, description="The status or deadline the mail is about")
    event_id: str | None = None
    state: str = Field(description="`pending`, `retrying`, `sent` or `dead`")
    attempts: int = 0
    error: str | None = Field(default=None, description="The last SMTP failure")
    created_at: datetime
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    dead_at: datetime | None = None


@router.get(
    "/v1/dossiers/{dossier_id}/notifications",
    response_model=list[SentMail],
    summary="E-mails envoyés pour un dossier",
    description="Pour les structures parties au dossier (d'après les pièces que ce service connaît) et "
    "l'administrateur de la plateforme ; les autres reçoivent 404, comme pour un dossier inconnu.",
    responses=problem_responses({**AUTH, 404: "Dossier inconnu ou non visible (`dossier_inconnu`)"}),
)
async def notifications(request: Request, dossier_id: str, caller: Caller) -> list[dict]:
    ctx: NotificationContext = request.app.state.ctx
    unknown = Problem("dossier_inconnu", "Dossier inconnu", f"Aucun dossier {dossier_id} visible ici.", 404)
    pieces = await ctx.pieces.parties_of_dossier(dossier_id)
    if not follows_dossier(caller, pieces):
        raise unknown
    mails = await ctx.deliveries.of_dossier(dossier_id)
    if not pieces and not mails:  # the administrator, about a dossier this service knows nothing of
        raise unknown
    return mails


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
        description="Courriels aux acteurs des dossiers de facturation de travaux. Jetons d'API du service de "
        "dépôt ; erreurs au format RFC 9457.",
        start=lambda: bootstrap.start(settings),
        stop=bootstrap.stop,
        routers=[router, internal(settings.internal_token)],
        settings=settings,
    )
