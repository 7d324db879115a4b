"""``OPS_TOKEN``: health and metrics answer anyone without it, only its bearer with it (FastAPI side,
the real router served in process)."""

import httpx
import pytest
from fastapi import FastAPI

from messaging import problems
from messaging.http import operations_router
from messaging.ops import ops_refusal


def test_without_an_ops_token_anyone_reads_health_and_metrics():
    assert ops_refusal(None, None) is None and ops_refusal("Bearer x", "") is None


def test_with_an_ops_token_only_its_bearer_reads_them():
    assert ops_refusal("Bearer s3cret", "s3cret") is None
    for header in (None, "", "Bearer wrong", "s3cret", "Basic s3cret", "Bearer s3cret "):
        refused = ops_refusal(header, "s3cret")
        assert refused is not None and (refused.status, refused.code) == (401, "jeton_exploitation_invalide")


def _app(ops_token: str | None) -> FastAPI:
    async def readiness() -> dict[str, bool]:
        return {"database": True}

    app = FastAPI()
    problems.install(app)
    app.include_router(operations_router(readiness, ops_token))
    return app


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics"])
async def test_the_operations_router_asks_for_the_ops_token_when_set(path):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app("s3cret")), base_url="http://svc") as client:
        refused = await client.get(path)
        assert refused.status_code == 401 and refused.headers["content-type"] == problems.MEDIA_TYPE
        assert refused.json()["code"] == "jeton_exploitation_invalide"
        assert (await client.get(path, headers={"Authorization": "Bearer s3cret"})).status_code == 200
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(None)), base_url="http://svc") as client:
        assert (await client.get(path)).status_code == 200


def test_the_openapi_document_says_which_operations_ask_for_it():
    guarded = _app("s3cret").openapi()
    assert guarded["paths"]["/metrics"]["get"]["security"] == [{"exploitation": []}]
    assert "401" in guarded["paths"]["/health/ready"]["get"]["responses"]
    open_ = _app(None).openapi()
    assert "security" not in open_["paths"]["/metrics"]["get"]
