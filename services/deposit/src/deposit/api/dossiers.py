"""``/v1/dossiers``: a dossier with every pièce and its history."""

from fastapi import APIRouter, Request

from deposit.api.models import DossierView
from deposit.api.views import dossier_view
from deposit.domain.errors import Refusal
from messaging.problems import problem_responses

router = APIRouter(prefix="/v1/dossiers", tags=["dossiers"])


@router.get(
    "/{dossier_id}",
    response_model=DossierView,
    summary="Consulter un dossier de facturation",
    responses=problem_responses({404: "Dossier inconnu (`dossier_inconnu`)"}),
)
async def get_dossier(request: Request, dossier_id: str) -> DossierView:
    ctx = request.app.state.ctx
    dossier = await ctx.pieces.get_dossier(dossier_id)
    if dossier is None:
        raise Refusal("dossier_inconnu", "Dossier inconnu", f"Aucun dossier {dossier_id}.", 404)
    return dossier_view(dossier, await ctx.pieces.pieces_of(dossier_id))
