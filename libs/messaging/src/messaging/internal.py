"""Service-to-service HTTP: the ``/internal/v1`` endpoints through which the archive service copies a
dossier from the services that own its records.

- Guarded by one shared secret, ``INTERNAL_TOKEN`` (a Kubernetes Secret in production; ``make up`` and the
  test session generate one). Unset, the endpoints answer 503: they never run open.
- Bodies are MongoDB Extended JSON (canonical mode): records cross services with their exact types
  (Decimal128 amounts, ObjectIds, dates to the millisecond), so a copy can be compared field for field.
- Not in the public OpenAPI document: no user calls them.
"""

import hmac
from typing import Any

from bson import json_util
from bson.json_util import JSONMode, JSONOptions
from fastapi import APIRouter, Depends, Request, Response

from messaging.problems import Problem

PREFIX = "/internal/v1"
EXTENDED_JSON = JSONOptions(json_mode=JSONMode.CANONICAL, tz_aware=True)


def dumps(value: Any) -> str:
    return json_util.dumps(value, json_options=EXTENDED_JSON)


def loads(text: str | bytes) -> Any:
    return json_util.loads(text, json_options=EXTENDED_JSON)


def extended_json(value: Any) -> Response:
    return Response(dumps(value), media_type="application/json")


def internal_router(token: str | None) -> APIRouter:
    """A router whose every route requires ``Authorization: Bearer <token>``."""

    async def check(request: Request) -> None:
        if not token:
            raise Problem(
                "interne_non_configure",
                "Accès interne non configuré",
                "INTERNAL_TOKEN n'est pas défini : les échanges entre services sont fermés.",
                503,
            )
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Problem("jeton_interne_invalide", "Jeton interne invalide", "Réservé aux services.", 401)

    return APIRouter(prefix=PREFIX, dependencies=[Depends(check)], include_in_schema=False, tags=["interne"])
