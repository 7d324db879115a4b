"""Bearer-token authentication for the services that do not own the directory: one function for any web
framework (``authenticate``, ``administrator``: faust's views call them), and its FastAPI dependency
(``Caller``).

The FastAPI dependency finds the resolver at ``request.app.state.ctx.principals`` (a ``Principals``).
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from messaging.openapi import ADMIN, AUTH
from messaging.problems import Problem
from readmodel.access import Principal
from readmodel.principals import Principals

SCHEME = "jeton"
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name=SCHEME,
    description="Le jeton d'API de l'utilisateur, le même que sur le service de dépôt (`tvx_...`).",
)

__all__ = ["ADMIN", "AUTH", "Caller", "administrator", "admin_only", "authenticate", "bearer_token"]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="travaux"'}


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None without one."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


async def authenticate(principals: Principals, token: str | None) -> Principal:
    """The caller, or a 401 problem; 503 ``annuaire_indisponible`` when deposit cannot answer."""
    if not token:
        raise Problem(
            "authentification_requise",
            "Authentification requise",
            "Présentez un jeton d'API valide : en-tête « Authorization: Bearer <jeton> ».",
            401,
            headers=_CHALLENGE,
        )
    principal = await principals.resolve(token)
    if principal is None:
        raise Problem(
            "jeton_invalide",
            "Jeton invalide",
            "Ce jeton est inconnu, révoqué, ou son utilisateur est inactif.",
            401,
            headers=_CHALLENGE,
        )
    return principal


def admin_only(caller: Principal, detail: str = "Réservé à l'administrateur de la plateforme.") -> Principal:
    if not caller.admin:
        raise Problem("acces_refuse", "Accès refusé", detail, 403)
    return caller


async def administrator(principals: Principals, authorization: str | None) -> Principal:
    """The caller of a request carrying ``authorization``, if it is the platform administrator (else 401, 403)."""
    return admin_only(await authenticate(principals, bearer_token(authorization)))


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    return await authenticate(request.app.state.ctx.principals, credentials.credentials if credentials else None)


Caller = Annotated[Principal, Depends(current_principal)]
