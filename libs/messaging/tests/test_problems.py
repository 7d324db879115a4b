"""Error hygiene of every FastAPI service: whatever goes wrong answers a problem document with a stable code."""

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from messaging import problems


class Body(BaseModel):
    name: str


def _client() -> httpx.AsyncClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/v1/things")
    async def list_things() -> list:
        return []

    @app.post("/v1/things")
    async def add_thing(body: Body) -> Body:
        return body

    @app.get("/v1/boom/{kind}")
    async def boom(kind: str) -> dict:
        if kind == "value":
            raise ValueError("secret internals: mongodb://user:password@db")
        if kind == "key":
            return {}["missing"]
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://service")


async def test_a_method_not_allowed_lists_every_method_of_the_path():
    async with _client() as client:
        answer = await client.delete("/v1/things")

    assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD, POST"
    assert answer.json()["code"] == "methode_non_autorisee" and answer.json()["title"] == "Méthode non autorisée"


async def test_an_unknown_path_is_a_problem_in_french():
    async with _client() as client:
        answer = await client.get("/v1/nothing")

    assert answer.status_code == 404 and answer.json()["code"] == "ressource_introuvable"
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("body", [b'{"name": "\xc3"}', b"\x80", b'{"name": '])
async def test_a_json_body_that_does_not_decode_is_json_invalide(body):
    async with _client() as client:
        answer = await client.post("/v1/things", content=body, headers={"content-type": "application/json"})

    assert answer.status_code == 422 and answer.json()["code"] == "json_invalide"


@pytest.mark.parametrize("kind", ["value", "key", "runtime"])
async def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(kind):
    async with _client() as client:
        answer = await client.get(f"/v1/boom/{kind}")

    assert answer.status_code == 500 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "erreur_interne"
    assert "secret" not in answer.text and "missing" not in answer.text and "Error" not in answer.text
