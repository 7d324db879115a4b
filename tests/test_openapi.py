"""Every service's OpenAPI document is valid, and the deposit's says what a caller must send and
which error codes come back."""

import importlib

import pytest
from openapi_spec_validator import validate


@pytest.mark.parametrize("service", ["deposit", "notification", "archive"])
def test_openapi_documents_are_valid(service):
    validate(importlib.import_module(f"{service}.app").create_app().openapi())


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
