"""``/v1/dossiers``: a dossier with every pièce, its history and the payment-deadline figures."""

from fastapi import APIRouter, Request

from deposit.api.archived import DOSSIER_GONE
from deposit.api.auth import Caller
from deposit.api.context import context
from deposit.api.models import DossierView
from deposit.api.views import dossier_view
from deposit.context import DepositContext
from deposit.domain.errors import Refusal, RefusalKind
from deposit.usecases.archived import archived_dossier_refusal
from messaging.problems import problem_responses
from readmodel.access import Principal
from readmodel.visibility import dossier_as_seen_by

router = APIRouter(prefix="/v1/dossiers", tags=["dossiers"])

NOT_FOUND = {
    **problem_responses(
        {
            401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)",
            404: "Dossier inconnu ou non visible (`dossier_inconnu`)",
        }
    ),
    **DOSSIER_GONE,
}


async def visible_dossier(ctx: DepositContext, caller: Principal, dossier_id: str) -> tuple[dict, list[dict]]:
    """The dossier and the pièces of it the caller may see, as it is shown them (``readmodel.visibility``);
    404 when it sees none."""
    dossier = await ctx.pieces.get_dossier(dossier_id)
    pieces = [] if dossier is None else await ctx.pieces.pieces_of(dossier_id)
    visible = [p for p in pieces if caller.can_read(p["parties"], p.get("code_service"))]
    if not visible:
        gone = None if dossier is not None else await archived_dossier_refusal(ctx, caller, dossier_id)
        if gone is not None:
            raise gone
        raise Refusal(
            "dossier_inconnu", "Dossier inconnu", f"Aucun dossier {dossier_id} visible.", RefusalKind.NOT_FOUND
        )
    return dossier_as_seen_by(caller, dossier, visible)


@router.get(
    "/{dossier_id}",
    response_model=DossierView,
    summary="Consulter un dossier de facturation",
    description="Chaque pièce que l'appelant peut consulter, avec son historique, et le délai global de paiement. "
    "Quand le destinataire masque la mise en paiement au fournisseur, qui ne lit le dossier que comme fournisseur "
    "ou valideur le voit tel qu'il était avant : pièce au statut précédent, délai qui court encore, sans date de "
    "mise en paiement ni pénalités.",
    responses=NOT_FOUND,
)
async def get_dossier(request: Request, dossier_id: str, caller: Caller) -> DossierView:
    ctx = context(request)
    dossier, pieces = await visible_dossier(ctx, caller, dossier_id)
    destinataire = next((p["destinataire"] for p in reversed(pieces) if p.get("destinataire")), None)
    structure = await ctx.directory.get(destinataire) if destinataire else None
    return dossier_view(dossier, pieces, structure.categorie if structure else None, ctx.clock.now().date())
