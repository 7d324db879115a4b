"""Bearer-token authentication: every ``/v1`` resource knows its caller."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from deposit.api.context import context
from deposit.domain.errors import Refusal, RefusalKind
from readmodel.access import Principal

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="jeton",
    description="Jeton d'API d'un utilisateur (`tvx_...`), créé par `POST /v1/utilisateurs/{email}/jetons`.",
)

UNAUTHENTICATED = Refusal(
    "authentification_requise",
    "Authentification requise",
    "Présentez un jeton d'API valide : en-tête « Authorization: Bearer <jeton> ».",
    RefusalKind.UNAUTHENTICATED,
)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise UNAUTHENTICATED
    principal = await context(request).directory.principal(credentials.credentials)
    if principal is None:
        raise Refusal(
            "jeton_invalide",
            "Jeton invalide",
            "Ce jeton est inconnu, révoqué, ou son utilisateur est inactif.",
            RefusalKind.UNAUTHENTICATED,
        )
    return principal


Caller = Annotated[Principal, Depends(current_principal)]


def forbidden(detail: str, code: str = "acces_refuse") -> Refusal:
    return Refusal(code, "Accès refusé", detail, RefusalKind.FORBIDDEN)
