"""faust's web server held to the services' rules (``messaging.faust_web``), served for real on a local
port by aiohttp: no built-in page, problems for every error, ``OPS_TOKEN`` on health and metrics, the
business clock for the administrator only."""

import faust
import pytest
from aiohttp.test_utils import TestClient, TestServer

from messaging import faust_web
from messaging.clock import Clock
from messaging.problems import MEDIA_TYPE, Problem

BUILT_IN = ["/", "/router/", "/table/", "/table/structures/", "/graph/", "/stats/", "/assignment/", "/performance/"]


def make_app(ops_token: str | None) -> tuple[faust.App, Clock, list[str]]:
    app = faust.App("web-rules", broker="kafka://127.0.0.1:9", store="memory://", **faust_web.PAGES_OFF)
    faust_web.secure(app, ops_token=ops_token, openapi={"openapi": "3.1.0", "paths": {}})
    clock, moved = Clock(), []

    @app.page("/health/live")
    async def live(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        return web.json({"status": "ok"})

    @app.page("/v1/refused")
    async def refused(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        raise Problem("dossier_inconnu", "Dossier inconnu", "Aucun dossier.", 404)

    @app.page("/v1/broken")
    async def broken(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        raise RuntimeError("a bug")

    async def authorize(request: faust.web.Request) -> None:
        if request.headers.get("Authorization") != "Bearer admin":
            raise Problem("acces_refuse", "Accès refusé", "Réservé à l'administrateur.", 403)

    faust_web.clock_page(app, clock, authorize, lambda: moved.append("sweep"))
    app.web.init_server()  # what the worker does at start: faust's blueprints (none left) are applied
    return app, clock, moved


async def serve(ops_token: str | None = None):
    app, clock, moved = make_app(ops_token)
    client = TestClient(TestServer(app.web.web_app))
    await client.start_server()
    return client, clock, moved


async def problem(response) -> tuple[int, str]:
    assert response.headers["Content-Type"].startswith(MEDIA_TYPE), await response.text()
    return response.status, (await response.json())["code"]


async def test_faust_built_in_pages_are_off_and_unknown_paths_answer_a_problem():
    client, _, _ = await serve()
    try:
        for path in BUILT_IN:
            assert await problem(await client.get(path)) == (404, "ressource_introuvable"), path
        assert (await client.get("/openapi.json")).status == 200
        metrics = await client.get("/metrics")
        assert metrics.status == 200 and metrics.headers["Content-Type"].startswith("text/plain; version=")
    finally:
        await client.close()


async def test_problems_raised_by_a_view_failures_and_wrong_methods_answer_problem_documents():
    client, _, _ = await serve()
    try:
        assert await problem(await client.get("/v1/refused")) == (404, "dossier_inconnu")
        assert await problem(await client.get("/v1/broken")) == (500, "erreur_interne")
        wrong = await client.delete("/health/live")
        assert await problem(wrong) == (405, "methode_non_autorisee") and wrong.headers["Allow"] == "GET, HEAD"
    finally:
        await client.close()


async def test_health_asks_for_the_ops_token_when_it_is_set():
    client, _, _ = await serve("s3cret")
    try:
        assert await problem(await client.get("/health/live")) == (401, "jeton_exploitation_invalide")
        assert (await client.get("/health/live", headers={"Authorization": "Bearer s3cret"})).status == 200
        assert (await client.get("/openapi.json")).status == 200  # the document is public, as on FastAPI
    finally:
        await client.close()
    client, _, _ = await serve(None)
    try:
        assert (await client.get("/health/live")).status == 200
    finally:
        await client.close()


BAD_OFFSETS = [
    b"not json",
    b"[]",
    b'{"offset_seconds": "soon"}',
    b'{"offset_seconds": 1e300}',
    # What schemathesis found accepted: a boolean (true was one second), a number in a string, an extra member.
    b'{"offset_seconds": true}',
    b'{"offset_seconds": "86400"}',
    b'{"offset_seconds": 86400, "jours": 1}',
]


@pytest.mark.parametrize("body", BAD_OFFSETS)
async def test_the_clock_refuses_a_bad_body(body):
    client, clock, moved = await serve()
    try:
        answer = await client.post("/admin/clock", data=body, headers={"Authorization": "Bearer admin"})
        assert await problem(answer) == (422, "requete_invalide")
        assert clock.offset.total_seconds() == 0 and moved == []
    finally:
        await client.close()


async def test_the_clock_moves_for_whom_authorize_lets_through_only():
    client, clock, moved = await serve()
    try:
        assert await problem(await client.get("/admin/clock")) == (403, "acces_refuse")
        refused = await client.post("/admin/clock", json={"offset_seconds": 86400})
        assert await problem(refused) == (403, "acces_refuse") and clock.offset.total_seconds() == 0
        admin = {"Authorization": "Bearer admin"}
        answer = await client.post("/admin/clock", json={"offset_seconds": 86400}, headers=admin)
        assert answer.status == 200 and (await answer.json())["offset_seconds"] == 86400
        assert clock.offset.total_seconds() == 86400 and moved == ["sweep"]
    finally:
        await client.close()


def test_an_app_with_faust_pages_on_is_refused():
    app = faust.App("pages-on", broker="kafka://127.0.0.1:9", store="memory://")
    with pytest.raises(RuntimeError, match="PAGES_OFF"):
        faust_web.secure(app, ops_token=None, openapi={})
