"""The search criteria of ``GET /v1/pieces`` as HTTP query parameters: one FastAPI dependency.

An endpoint takes ``criteria: Annotated[SearchCriteria, Depends(search_criteria)]``; its OpenAPI then
documents every criterion, and an interval whose start is after its end is refused with the problem
``intervalle_invalide`` (422).
"""

from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query

from contracts import Cadre, Role, Siret, Statut
from contracts.dates import IsoDate
from contracts.money import Montant
from messaging.problems import Problem
from readmodel.search import SearchCriteria

# A page is at most this far: the database skips (page - 1) × taille records, a 64-bit integer (page
# 144115188075855873 of 500 was a 500 OverflowError), and nobody pages through fifty million pièces.
MAX_PAGE = 100_000
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page demandée, à partir de 1")]
PageSize = Annotated[int, Query(ge=1, le=500, description="Résultats par page")]


class RoleFiltre(StrEnum):
    """The roles a search may filter on (the pièce's field: fournisseur, valideur, moe, moa, destinataire)."""

    FOURNISSEUR = Role.FOURNISSEUR.value
    VALIDEUR = Role.VALIDEUR.value
    MOE = Role.MOE.value
    MOA = Role.MOA.value
    SERVICE_FINANCIER = Role.SERVICE_FINANCIER.value


def check_interval(name: str, low: Any, high: Any) -> None:
    """Refuse (``intervalle_invalide``, 422) an interval whose given start is after its given end."""
    if low is not None and high is not None and low > high:
        raise Problem(
            "intervalle_invalide",
            "Intervalle invalide",
            f"{name} : le début ({low}) est après la fin ({high}).",
            422,
        )


async def search_criteria(
    cadre: Annotated[list[Cadre] | None, Query(description="Cadre de facturation (répétable), ex. A4")] = None,
    statut: Annotated[list[Statut] | None, Query(description="Statut (répétable)")] = None,
    numero: Annotated[str | None, Query(max_length=40, description="Numéro exact de la pièce")] = None,
    numero_marche: Annotated[str | None, Query(max_length=50, description="Numéro de marché exact")] = None,
    structure: Annotated[Siret | None, Query(description="SIRET d'une structure partie à la pièce")] = None,
    role: Annotated[RoleFiltre | None, Query(description="Rôle tenu dans la pièce par mes structures")] = None,
    code_service: Annotated[str | None, Query(max_length=100, description="Code service exact")] = None,
    depose_du: Annotated[IsoDate | None, Query(description="Déposée à partir de ce jour")] = None,
    depose_au: Annotated[IsoDate | None, Query(description="Déposée au plus tard ce jour")] = None,
    date_du: Annotated[IsoDate | None, Query(description="Date de pièce à partir de ce jour")] = None,
    date_au: Annotated[IsoDate | None, Query(description="Date de pièce au plus tard ce jour")] = None,
    montant_min: Annotated[Montant | None, Query(ge=0, description="TTC minimal")] = None,
    montant_max: Annotated[Montant | None, Query(ge=0, description="TTC maximal")] = None,
) -> SearchCriteria:
    """The criteria of a search from the query string; refuses an interval whose start is after its end.

    A coroutine with no I/O, so FastAPI runs it on the event loop rather than in a worker thread.
    """
    check_interval("dates de dépôt", depose_du, depose_au)
    check_interval("dates de pièce", date_du, date_au)
    check_interval("montants", montant_min, montant_max)
    return SearchCriteria(
        cadres=tuple(cadre or ()),
        statuts=tuple(statut or ()),
        numero=numero,
        numero_marche=numero_marche,
        structure=structure,
        role=Role(role.value) if role else None,
        code_service=code_service,
        depose_du=depose_du,
        depose_au=depose_au,
        date_du=date_du,
        date_au=date_au,
        montant_min=montant_min,
        montant_max=montant_max,
    )
