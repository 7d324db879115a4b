"""``POST /admin/annuaire/publication``: the administrator has the whole directory announced again on
``travaux.structures`` (the reconciler does it by itself when the broker lost the topic)."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from deposit.api.auth import Caller, forbidden
from deposit.api.context import context
from deposit.usecases.publish_directory import publish_directory
from messaging.problems import problem_responses

router = APIRouter(tags=["admin"])


class Publication(BaseModel):
    structures: int = Field(description="Structures announced again (they reach the consumers through the outbox)")


@router.post(
    "/admin/annuaire/publication",
    summary="Publier à nouveau tout l'annuaire",
    description="Administrateur : annonce à nouveau chaque structure sur `travaux.structures`, pour les services "
    "qui lisent l'annuaire (acheminement, notifications). Sans effet sur les données.",
    responses=problem_responses(
        {
            401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)",
            403: "Réservé à l'administrateur (`acces_refuse`)",
        }
    ),
)
async def publish_again(request: Request, caller: Caller) -> Publication:
    if not caller.admin:
        raise forbidden("Seul l'administrateur fait publier l'annuaire à nouveau.")
    return Publication(structures=await publish_directory(context(request)))
