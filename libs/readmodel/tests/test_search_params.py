"""The search criteria as query parameters: parsing and the interval checks, called as plain coroutines."""

from datetime import date
from decimal import Decimal
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from contracts import Cadre, Role, Statut
from messaging import problems
from messaging.problems import Problem
from readmodel.search import SearchCriteria
from readmodel.search_params import RoleFiltre, check_interval, search_criteria


async def test_no_parameter_gives_empty_criteria():
    assert await search_criteria() == SearchCriteria()


async def test_parameters_become_criteria():
    criteria = await search_criteria(
        cadre=[Cadre.A4, Cadre.A19],
        statut=[Statut.DEPOSEE],
        numero="PDM-1",
        structure="73282932000074",
        role=RoleFiltre.SERVICE_FINANCIER,
        depose_du=date(2026, 1, 1),
        depose_au=date(2026, 1, 1),
        montant_min=Decimal("1"),
        montant_max=Decimal("1"),
    )

    assert criteria.cadres == (Cadre.A4, Cadre.A19) and criteria.statuts == (Statut.DEPOSEE,)
    assert criteria.role is Role.SERVICE_FINANCIER and criteria.structure == "73282932000074"
    assert (criteria.depose_du, criteria.depose_au) == (date(2026, 1, 1), date(2026, 1, 1))  # one day is fine


@pytest.mark.parametrize(
    "params, detail",
    [
        (
            {"depose_du": date(2026, 2, 1), "depose_au": date(2026, 1, 1)},
            "dates de dépôt : le début (2026-02-01) est après la fin (2026-01-01).",
        ),
        (
            {"date_du": date(2026, 2, 1), "date_au": date(2026, 1, 1)},
            "dates de pièce : le début (2026-02-01) est après la fin (2026-01-01).",
        ),
        (
            {"montant_min": Decimal("100"), "montant_max": Decimal("10")},
            "montants : le début (100) est après la fin (10).",
        ),
    ],
)
async def test_an_interval_whose_start_is_after_its_end_is_refused(params, detail):
    with pytest.raises(Problem) as refused:
        await search_criteria(**params)

    assert refused.value == Problem("intervalle_invalide", "Intervalle invalide", detail, 422)


def test_an_open_interval_is_fine():
    check_interval("montants", None, Decimal("1"))
    check_interval("montants", Decimal("1"), None)


def test_every_role_filter_is_a_role():
    assert {Role(r.value) for r in RoleFiltre} == {
        Role.FOURNISSEUR,
        Role.VALIDEUR,
        Role.MOE,
        Role.MOA,
        Role.SERVICE_FINANCIER,
    }


def _search_app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/pieces")
    async def search(criteria: Annotated[SearchCriteria, Depends(search_criteria)]) -> dict:
        return {"depose_du": str(criteria.depose_du), "montant_min": str(criteria.montant_min)}

    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_as_a_dependency_it_documents_its_parameters_and_answers_a_bad_interval_with_a_problem():
    app = _search_app()
    parameters = app.openapi()["paths"]["/pieces"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == [
        "cadre", "statut", "numero", "numero_marche", "structure", "role", "code_service",
        "depose_du", "depose_au", "date_du", "date_au", "montant_min", "montant_max",
    ]  # fmt: skip
    assert all(p["in"] == "query" and not p["required"] and p["description"] for p in parameters)

    async with _client(app) as client:
        refused = await client.get("/pieces", params={"montant_min": "100", "montant_max": "10"})
        fine = await client.get("/pieces", params={"montant_min": "10.5"})

    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "type": "urn:travaux:problem:intervalle_invalide",
        "title": "Intervalle invalide",
        "status": 422,
        "detail": "montants : le début (100) est après la fin (10).",
        "code": "intervalle_invalide",
        "instance": "/pieces",
    }
    assert fine.json()["montant_min"] == "10.5"


@pytest.mark.parametrize(
    "query, code",
    [
        ("depose_du=0", "champ_invalide"),
        ("date_au=1700000000", "champ_invalide"),
        ("depose_au=9999-12-31", "champ_invalide"),
        ("date_du=2026-02-30", "champ_invalide"),
        ("montant_min=1_000", "montant_invalide"),
        ("montant_min=1E3", "montant_invalide"),
        ("montant_max=NaN", "montant_invalide"),
        ("montant_min=-5", "montant_invalide"),
    ],
)
async def test_query_dates_and_amounts_are_taken_only_in_their_plain_form(query, code):
    async with _client(_search_app()) as client:
        answer = await client.get(f"/pieces?{query}")

    assert answer.status_code == 422 and answer.json()["code"] == code, answer.text


async def test_plain_query_dates_and_amounts_are_accepted():
    async with _client(_search_app()) as client:
        answer = await client.get("/pieces?depose_du=2026-01-31&montant_min=1200.50")

    assert answer.status_code == 200 and answer.json() == {"depose_du": "2026-01-31", "montant_min": "1200.50"}
