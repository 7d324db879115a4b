"""Every service's OpenAPI document is valid and lists every operation the service serves, each with its
security scheme and the statuses it answers; the deposit's says what a caller must send and which error
codes come back. Routing and the archive's mover are faust apps: their documents are hand-written, so
they are checked against the routes faust really serves."""

import importlib

import pytest
from openapi_spec_validator import validate

from messaging.faust_web import served_operations
from messaging.openapi import documented_operations
from messaging.ops import OPS_PATHS

FASTAPI_SERVICES = ["deposit", "notification", "archive"]
FAUST_SERVICES = {
    "routing": ("routing.app", "routing.openapi"),
    "archive-mover": ("archive.mover", "archive.mover_openapi"),
}
# Operations anyone may call without a user's token (health and metrics aside), on purpose: a one-time code
# mailed to an address, and its redemption (docs/authority.md). Every other operation must declare the
# `jeton` scheme and its 401.
PUBLIC_OPERATIONS: set[tuple[str, str]] = {("POST", "/v1/comptes/code"), ("POST", "/v1/comptes/activation")}


def documents() -> dict[str, dict]:
    found = {name: importlib.import_module(f"{name}.app").create_app().openapi() for name in FASTAPI_SERVICES}
    for name, (app_module, openapi_module) in FAUST_SERVICES.items():
        app = importlib.import_module(app_module)
        found[name] = importlib.import_module(openapi_module).document(app.settings)
    return found


@pytest.mark.parametrize("service", [*FASTAPI_SERVICES, *FAUST_SERVICES])
def test_openapi_documents_are_valid(service):
    validate(documents()[service])


@pytest.mark.parametrize("service", list(FAUST_SERVICES))
def test_a_faust_services_document_lists_exactly_the_routes_it_serves(service):
    app_module, openapi_module = FAUST_SERVICES[service]
    app = importlib.import_module(app_module)
    spec = importlib.import_module(openapi_module).document(app.settings)
    assert documented_operations(spec) == served_operations(app.app)


@pytest.mark.parametrize("service", list(FAUST_SERVICES))
def test_a_faust_services_document_follows_clock_control_and_ops_token(service):
    app_module, openapi_module = FAUST_SERVICES[service]
    settings = importlib.import_module(app_module).settings.model_copy(
        update={"clock_control": True, "ops_token": "s3cret"}
    )
    spec = importlib.import_module(openapi_module).document(settings)
    validate(spec)
    assert {("GET", "/admin/clock"), ("POST", "/admin/clock")} <= documented_operations(spec)
    for path in OPS_PATHS:
        assert (
            spec["paths"][path]["get"]["security"] == [{"exploitation": []}]
            and "401" in spec["paths"][path]["get"]["responses"]
        )


def test_every_operation_of_every_service_says_how_it_is_authenticated_and_what_it_answers():
    for service, spec in documents().items():
        assert spec["components"]["securitySchemes"]["jeton"] == {
            "type": "http",
            "scheme": "bearer",
            "description": spec["components"]["securitySchemes"]["jeton"]["description"],
        }
        for method, path in documented_operations(spec):
            operation = spec["paths"][path][method.lower()]
            where = f"{service}: {method} {path}"
            assert any(status.startswith("2") for status in operation["responses"]), where
            if path in OPS_PATHS or (method, path) in PUBLIC_OPERATIONS:
                continue
            assert operation.get("security") == [{"jeton": []}], f"{where} declares no bearer token"
            assert "401" in operation["responses"], f"{where} does not document its 401"


def test_the_deposit_endpoint_documents_its_body_and_its_problems():
    spec = importlib.import_module("deposit.app").create_app().openapi()
    post = spec["paths"]["/v1/pieces"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]
    piece = body["schema"]["properties"]["piece"]
    assert body["encoding"]["piece"]["contentType"] == "application/json"
    assert {"cadre", "numero", "date_piece", "montant_ht", "montant_tva", "montant_ttc"} <= set(piece["required"])
    assert {"document", "attachments"} <= set(body["schema"]["properties"])
    assert "A4" in body["examples"]
    for status in ("409", "413", "415", "422"):
        assert "application/problem+json" in post["responses"][status]["content"]
    for code in ("siret_invalide", "montants_incoherents", "cadre_inconnu", "document_manquant", "structure_inconnue"):
        assert code in post["responses"]["422"]["description"]
    for operation in (post, spec["paths"]["/v1/pieces/{piece_id}/actions/refuser"]["post"]):
        assert "requete_en_cours" in operation["responses"]["409"]["description"]
        assert "Retry-After" in operation["responses"]["409"]["headers"]
        assert "cle_idempotence_reutilisee" in operation["responses"]["422"]["description"]


def test_a_structure_refused_in_its_role_is_documented_on_the_deposit_and_the_recycling():
    paths = importlib.import_module("deposit.app").create_app().openapi()["paths"]
    for path in ("/v1/pieces", "/v1/pieces/{piece_id}/actions/recycler"):
        described = paths[path]["post"]["responses"]["422"]["description"]
        for code in ("moa_non_publique", "moa_non_autorisee", "destinataire_non_publique", "destinataire_non_autorise"):
            assert code in described, (path, code)


async def test_the_docs_page_works_without_internet():
    import httpx

    app = importlib.import_module("deposit.app").create_app()  # no lifespan run: no infrastructure needed
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://deposit") as client:
        page = await client.get("/docs")
        assert page.status_code == 200 and "cdn." not in page.text
        script = page.text.split('<script src="')[1].split('"')[0]
        assert script.startswith("/") and (await client.get(script)).status_code == 200


def test_every_answer_is_documented_as_it_is_sent():
    """What schemathesis checks against the running services, offline: a 422 is a problem document (not
    FastAPI's own validation error), /metrics is text, health is JSON in its 503 too."""
    for service, spec in documents().items():
        assert not {"HTTPValidationError", "ValidationError"} & set(spec["components"].get("schemas", {})), service
        for method, path in documented_operations(spec):
            responses = spec["paths"][path][method.lower()]["responses"]
            where = f"{service}: {method} {path}"
            for status, answer in responses.items():
                if status.startswith(("4", "5")):
                    expected = "application/json" if path == "/health/ready" else "application/problem+json"
                    assert list(answer.get("content", {})) == [expected], (where, status)
        assert list(spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"], service


def test_what_names_a_piece_or_a_dossier_on_deposit_documents_its_410():
    spec = importlib.import_module("deposit.app").create_app().openapi()
    for method, path in documented_operations(spec):
        if "{piece_id}" in path or "{dossier_id}" in path:
            gone = spec["paths"][path][method.lower()]["responses"]["410"]
            assert "Link" in gone["headers"] and ("piece_archivee" in gone["description"]) == ("{piece_id}" in path)
