"""Hand-written OpenAPI documents, for the services whose HTTP side is faust's web server (routing, the
archive's mover), in the same shape FastAPI gives the others: the same bearer schemes (``jeton`` for
users, ``exploitation`` for ``OPS_TOKEN``), problem answers, and every status an operation can answer."""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from messaging import ops
from messaging.clock import ClockOffset, ClockState
from messaging.problems import problem_responses

JETON = "jeton"
JSON = "application/json"


def operation(
    summary: str,
    responses: Mapping[int, str],
    *,
    ok: tuple[str, dict[str, Any]] | None = None,
    secured: bool = True,
    description: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    tags: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One operation: ``ok`` is the 200 answer (description, JSON schema); ``responses`` the problems
    (status → what and which codes); ``secured``: it takes a user's bearer token."""
    answers: dict[str, Any] = {}
    if ok is not None:
        answers["200"] = {"description": ok[0], "content": {JSON: {"schema": ok[1]}}}
    answers.update({str(status): answer for status, answer in problem_responses(dict(responses)).items()})
    found: dict[str, Any] = {"summary": summary, "responses": answers}
    if description:
        found["description"] = description
    if tags:
        found["tags"] = list(tags)
    if parameters:
        found["parameters"] = parameters
    if body is not None:
        found["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if secured:
        found["security"] = [{JETON: []}]
    return found


def path_parameter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def operations_paths(ops_token: str | None) -> dict[str, Any]:
    """``/health/live``, ``/health/ready``, ``/metrics``, as ``messaging.http`` serves them on FastAPI."""
    guarded = {401: ops.REFUSED} if ops_token else {}

    def op(summary: str, ok: str, schema: dict[str, Any], extra: Mapping[int, str] = {}) -> dict[str, Any]:
        found = operation(summary, {**guarded, **extra}, ok=(ok, schema), secured=False, tags=("operations",))
        if ops_token:
            found["security"] = [{ops.SCHEME: []}]
        return found

    status = ops.HEALTH_SCHEMA
    ready = op("Broker, database and consumers are usable", "Ready", status)
    ready["responses"]["503"] = {"description": ops.NOT_READY, "content": {JSON: {"schema": status}}}
    metrics = op("Prometheus metrics", "Prometheus text format", {"type": "string"})
    metrics["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return {
        "/health/live": {"get": op("The process is up", "Alive", status)},
        "/health/ready": {"get": ready},
        "/metrics": {"get": metrics},
    }


# What an operation taking a user's token may answer (readmodel.auth), FastAPI and faust alike.
AUTH = {
    401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)",
    503: "Annuaire (service de dépôt) injoignable : les habilitations ne peuvent être vérifiées "
    "(`annuaire_indisponible`, avec `Retry-After`)",
}
ADMIN = {**AUTH, 403: "Réservé à l'administrateur de la plateforme (`acces_refuse`)"}


def clock_paths() -> dict[str, Any]:
    """``/admin/clock`` as ``messaging.faust_web.clock_page`` serves it (``CLOCK_CONTROL`` only)."""
    state = ClockState.model_json_schema(mode="serialization")
    offset = ClockOffset.model_json_schema()
    only = "Servi seulement avec `CLOCK_CONTROL=true` (essais, rattrapage) ; réservé à l'administrateur."
    return {
        "/admin/clock": {
            "get": operation(
                "Business time now", ADMIN, ok=("The business clock", state), description=only, tags=("admin",)
            ),
            "post": operation(
                "Set the business clock's offset",
                {**ADMIN, 422: "Corps invalide (`requete_invalide`)"},
                ok=("The business clock", state),
                description=only + " Déclenche aussitôt un passage (échéances, archivage).",
                body=offset,
                tags=("admin",),
            ),
        }
    }


def model_schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """A reference to ``model``'s JSON Schema, added with the models it uses to ``schemas`` (components)."""
    found = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    schemas.update(found.pop("$defs", {}))
    schemas[model.__name__] = found
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def document(
    title: str,
    description: str,
    paths: Mapping[str, Any],
    ops_token: str | None,
    schemas: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "0.1.0", "description": description},
        "paths": {**paths, **operations_paths(ops_token)},
        "components": {
            "securitySchemes": {
                JETON: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Le jeton d'API de l'utilisateur, le même que sur le service de dépôt (`tvx_...`).",
                },
                ops.SCHEME: {"type": "http", "scheme": "bearer", "description": ops.SCHEME_DESCRIPTION},
            },
            "schemas": dict(schemas or {}),
        },
    }


def documented_operations(spec: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation of a document."""
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {(m.upper(), path) for path, item in spec["paths"].items() for m in item if m in methods}
