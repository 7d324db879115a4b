"""Bearer-token authentication, with the habilitations deposit's directory gives the token's user."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from messaging.problems import Problem
from readmodel.access import Principal

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="jeton",
    description="Le jeton d'API de l'utilisateur, le même que sur le service de dépôt (`tvx_...`).",
)

AUTH = {401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)"}


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Problem(
            "authentification_requise",
            "Authentification requise",
            "Présentez un jeton d'API valide : en-tête « Authorization: Bearer <jeton> ».",
            401,
        )
    principal = await request.app.state.ctx.principals.resolve(credentials.credentials)
    if principal is None:
        raise Problem(
            "jeton_invalide", "Jeton invalide", "Ce jeton est inconnu, révoqué, ou son utilisateur est inactif.", 401
        )
    return principal


Caller = Annotated[Principal, Depends(current_principal)]
