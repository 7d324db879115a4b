"""Routing's HTTP pages (faust's web server), each behind a user's bearer token, resolved by deposit
(``readmodel.principals``) and judged by the same rules as everywhere (``readmodel.access``):

- ``GET /v1/structures/{siret}``: the structure as routing knows it now (has a directory change reached
  routing yet?); any caller, its contacts only to those who manage it;
- ``GET /v1/dossiers/{id}/echeances``: the deadlines running on a dossier and those already published;
  its parties and the administrator, 404 to anyone else;
Health, metrics and ``/admin/clock`` come from ``messaging.faust_worker`` (``routing.app``);
``messaging.faust_web`` turns errors into problems; the OpenAPI document is ``routing.openapi``.
"""

from collections.abc import Callable
from datetime import datetime

import faust
from pydantic import BaseModel, Field

from contracts import CategorieEntite, Penalites
from messaging.problems import Problem
from readmodel.access import follows_dossier, structure_seen_by
from readmodel.auth import authenticate, bearer_token
from readmodel.principals import Principals
from routing.adapters.deadline_store import DossierClock
from routing.domain.deadlines import Planned
from routing.ports import DeadlineStore, Directory
from routing.settings import RoutingSettings


class PlannedDeadline(BaseModel):
    cle: str = Field(description="The deadline's key in the dossier (its published event's id derives from it)")
    echeance: str = Field(
        description="The deadline (`VALIDATION_HORS_DELAI`, `DELAI_PAIEMENT_DEPASSE`, …) or `PENALITES`"
    )
    piece_id: str
    due_at: datetime = Field(description="When it falls due, by the business clock")
    publiee: bool = Field(description="Already published on travaux.deadlines")
    penalites: Penalites | None = None


class DossierDeadlines(BaseModel):
    dossier_id: str
    categorie: CategorieEntite | None = Field(description="The category that sets the délai de paiement")
    echeances: list[PlannedDeadline]
    publiees: list[str] = Field(description="Keys of the deadlines already published")


def deadlines_view(state: DossierClock, planned: list[Planned]) -> DossierDeadlines:
    return DossierDeadlines(
        dossier_id=state.dossier_id,
        categorie=state.categorie,
        echeances=[
            PlannedDeadline(
                cle=item.key,
                echeance=item.label,
                piece_id=item.piece_id,
                due_at=item.publish_at,
                publiee=item.key in state.fired,
                penalites=item.penalites,
            )
            for item in planned
        ],
        publiees=sorted(state.fired),
    )


def install(
    app: faust.App,
    settings: RoutingSettings,
    principals: Principals,
    directory: Directory,
    store: Callable[[], DeadlineStore],
) -> None:
    """Register the pages on ``app``; ``store()`` gives the deadline store."""

    async def caller(request: faust.web.Request):
        return await authenticate(principals, bearer_token(request.headers.get("Authorization")))

    @app.page("/v1/structures/{siret}")
    async def structure_view(web: faust.web.Web, request: faust.web.Request, siret: str) -> faust.web.Response:
        seen_by = await caller(request)
        structure = directory(siret)
        if structure is None:
            raise Problem(
                "structure_inconnue", "Structure inconnue", f"Routage ne connaît pas la structure {siret}.", 404
            )
        return web.json(structure_seen_by(structure, seen_by).model_dump(mode="json"))

    @app.page("/v1/dossiers/{dossier_id}/echeances")
    async def dossier_deadlines(web: faust.web.Web, request: faust.web.Request, dossier_id: str) -> faust.web.Response:
        seen_by = await caller(request)
        state = await store().get(dossier_id)
        if state is None or not follows_dossier(seen_by, state.pieces.values()):
            raise Problem(
                "dossier_inconnu", "Dossier inconnu", f"Aucune échéance connue pour le dossier {dossier_id}.", 404
            )
        return web.json(deadlines_view(state, state.plan(settings.ecb_main_refinancing_rate)).model_dump(mode="json"))
