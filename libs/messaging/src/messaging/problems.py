"""Errors as RFC 9457 problem details, each with a stable ``code``; French title and detail.

``Problem`` is a plain exception (no I/O), so domain code may raise it; ``install`` turns it, and
FastAPI's own errors, into ``application/problem+json`` answers.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    message: str


@dataclass
class Problem(Exception):
    """A request refused with a reason. ``status`` is the HTTP status it maps to."""

    code: str
    title: str
    detail: str
    status: int = 422
    errors: list[FieldError] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)  # extra members of the problem document
    headers: dict[str, str] = field(default_factory=dict)  # extra HTTP headers (Link, Retry-After...)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is stable, `title` and `detail` are for people (French).",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "instance"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:travaux:problem:siret_invalide"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "examples": ["siret_invalide"]},
        "instance": {"type": "string", "examples": ["/v1/pieces"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "actions_possibles": {
            "description": "On `action_impossible` (409): the actions the pièce's status allows, and who may take them",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["action", "role"],
                "properties": {"action": {"type": "string"}, "role": {"type": "string"}, "statut": {"type": "string"}},
            },
        },
    },
}


def problem_responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problem answers: ``{status: "what and which codes"}``."""
    return {
        status: {"description": text, "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}
        for status, text in described.items()
    }


VALIDATION = (
    "Paramètre ou corps invalide (`requete_invalide`, `champ_manquant`, `champ_inconnu`, `champ_invalide`, "
    "`json_invalide` ; `errors` nomme chaque champ)"
)
_FASTAPI_VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"


def document_validation_errors(schema: dict[str, Any]) -> None:
    """FastAPI documents a 422 of its own (``HTTPValidationError``, ``application/json``) on every operation
    with parameters or a body; what ``install`` sends is a problem document: the OpenAPI ``schema`` says so."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422", {})
            if answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref") == (
                _FASTAPI_VALIDATION_ERROR
            ):
                operation["responses"]["422"] = problem_responses({422: VALIDATION})[422]
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)


def field_problem(errors: list[FieldError], title: str, general_code: str) -> Problem:
    """One 422 problem for several field errors: their code when they share one, else ``general_code``."""
    codes = {e.code for e in errors}
    code = codes.pop() if len(codes) == 1 else general_code
    return Problem(code, title, "; ".join(f"{e.field} : {e.message}" for e in errors), 422, errors)


def problem_body(problem: Problem, instance: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:travaux:problem:{problem.code}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
        "instance": instance,
    }
    if problem.errors:
        body["errors"] = [{"field": e.field, "code": e.code, "message": e.message} for e in problem.errors]
    body.update(problem.extensions)
    return body


def problem_response(problem: Problem, instance: str) -> JSONResponse:
    return JSONResponse(
        problem_body(problem, instance), status_code=problem.status, media_type=MEDIA_TYPE, headers=problem.headers
    )


def field_code(
    error: dict[str, Any],
    siret_fields: frozenset[str] = frozenset({"siret", "fournisseur", "moe", "moa", "valideur", "destinataire"}),
) -> str:
    """A stable code for one pydantic validation error."""
    name = str(error["loc"][-1]) if error["loc"] else ""
    if error["type"] == "missing":
        return "champ_manquant"
    if error["type"] == "extra_forbidden":
        return "champ_inconnu"
    if name in siret_fields:
        return "siret_invalide"
    if name.startswith("montant"):
        return "montant_invalide"
    return "champ_invalide"


JSON_INVALIDE = Problem(
    "json_invalide",
    "Corps JSON illisible",
    "Le corps de la requête n'est pas un document JSON valide encodé en UTF-8.",
    422,
)

INTERNAL_ERROR = Problem(
    "erreur_interne",
    "Erreur interne",
    "Une erreur inattendue a empêché de traiter la requête ; elle est journalisée. Réessayez plus tard.",
    500,
)

_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"}

# Starlette's own errors (unknown path, method not allowed, unreadable body), in French with a stable code.
_HTTP_PROBLEMS = {
    400: ("requete_illisible", "Requête illisible", "Le corps de la requête n'a pas pu être lu."),
    404: ("ressource_introuvable", "Ressource introuvable", "Aucune ressource à cette adresse."),
    405: ("methode_non_autorisee", "Méthode non autorisée", "Cette méthode n'est pas acceptée à cette adresse."),
}


def allowed_methods(request: Request) -> str:
    """Every method the API documents at the request's path (Starlette's 405 names one route's only)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {m.upper() for m in operations if m.upper() in _HTTP_METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def http_problem(exc: StarletteHTTPException, request: Request) -> Problem:
    """The problem for an ``HTTPException`` raised by Starlette or FastAPI themselves."""
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        return JSON_INVALIDE  # FastAPI reads a JSON body that is not UTF-8 as "error parsing the body"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    code, title, detail = _HTTP_PROBLEMS.get(exc.status_code, (f"http_{exc.status_code}", str(exc.detail), ""))
    if exc.status_code == 405 and "Allow" in headers:
        detail = f"Méthodes acceptées : {headers['Allow']}."
    return Problem(code, title, detail or str(exc.detail), exc.status_code, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            return problem_response(JSON_INVALIDE, request.url.path)
        errors = [
            FieldError(
                ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                field_code(e),
                e["msg"].removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
        return problem_response(field_problem(errors, "Requête invalide", "requete_invalide"), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(http_problem(exc, request), request.url.path)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Whatever escaped the handlers: a problem document that tells nothing of the internals. Starlette
        # re-raises the exception after this answer, so the server still logs its traceback.
        return problem_response(INTERNAL_ERROR, request.url.path)
