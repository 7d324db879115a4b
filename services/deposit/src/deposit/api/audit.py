"""``GET /v1/audit``: the directory and token changes (docs/authority.md), newest first. The administrator
reads everything; a gestionnaire, the entries of the structures it manages."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from deposit.api.auth import Caller, forbidden
from deposit.api.context import context
from deposit.api.directory_models import AuditEntry
from messaging.problems import problem_responses
from readmodel.search_params import PageNumber, PageSize

router = APIRouter(tags=["annuaire"])


@router.get(
    "/v1/audit",
    response_model=list[AuditEntry],
    summary="Journal des changements de l'annuaire et des jetons",
    description="Qui (compte et `jeton_id`), quoi (`action`), sur quoi (`cible`), sur quelle structure, quand. "
    "L'administrateur : tout (ou une `structure`). Un gestionnaire : les structures qu'il gère (ou l'une d'elles).",
    responses=problem_responses(
        {
            401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)",
            403: "Réservé à l'administrateur et aux gestionnaires, pour leurs structures (`acces_refuse`)",
            422: "`requete_invalide`",
        }
    ),
)
async def audit(
    request: Request,
    caller: Caller,
    structure: Annotated[str | None, Query(description="SIRET d'une structure")] = None,
    page: PageNumber = 1,
    taille: PageSize = 100,
) -> list[AuditEntry]:
    if structure is not None:
        if not caller.manages(structure):
            raise forbidden(f"Réservé à l'administrateur et aux gestionnaires de la structure {structure}.")
        scope: list[str] | None = [structure]
    elif caller.admin:
        scope = None
    else:
        scope = sorted(h.siret for h in caller.habilitations if h.gestionnaire)
        if not scope:
            raise forbidden("Réservé à l'administrateur et aux gestionnaires, pour les structures qu'ils gèrent.")
    ctx = context(request)
    entries = await ctx.audit.entries(scope, (page - 1) * taille, taille)
    return [AuditEntry(**{k: v for k, v in e.items() if k != "_id"}) for e in entries]
