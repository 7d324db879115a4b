"""The ``Idempotency-Key`` request header and what its answers add to an operation's OpenAPI document."""

from typing import Annotated, Any

from fastapi import Header

IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Clé choisie par le client (un UUID par exemple) : la même requête renvoyée avec la même clé "
        "n'agit qu'une fois et reçoit la même réponse (`Idempotent-Replayed: true`), même pendant que la première "
        "est encore en cours. Une requête refusée libère la clé. Conservée 7 jours.",
    ),
]

RETRY_AFTER_HEADERS = {
    "Retry-After": {
        "description": "Sur `requete_en_cours` : secondes à attendre avant de renvoyer la requête",
        "schema": {"type": "integer"},
    }
}


# For ``openapi_extra`` (merged into the operation): the 409 documents the ``Retry-After`` of ``requete_en_cours``.
RETRY_AFTER_ON_409: dict[str, Any] = {"responses": {"409": {"headers": RETRY_AFTER_HEADERS}}}
