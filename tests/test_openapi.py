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
    assert {"cadre", "numero", "date_piece", "montant_ht", "montant_tva", "montant_ttc", "fournisseur"} <= set(
        piece["required"]
    )
    assert {"document", "attachments"} <= set(body["schema"]["properties"])
    assert "A4" in body["examples"]
    for status in ("409", "413", "415", "422"):
        assert "application/problem+json" in post["responses"][status]["content"]
    for code in ("siret_invalide", "montants_incoherents", "cadre_inconnu", "document_manquant", "structure_inconnue"):
        assert code in post["responses"]["422"]["description"]
