"""Request body limits, in front of an app that reads its body: by Content-Length before reading, by count
while streaming, with a route's own maximum."""

import httpx
from fastapi import FastAPI, Request

from messaging import problems
from messaging.body_limit import BodyLimit

READ: list[int] = []


def _client(default_max: int, limits: dict[str, int] | None = None) -> httpx.AsyncClient:
    app = FastAPI()
    problems.install(app)

    @app.post("/v1/things")
    async def things(request: Request) -> dict:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            READ.append(len(chunk))
        return {"size": size}

    @app.post("/v1/things/{thing_id}/files")
    async def files(request: Request, thing_id: str) -> dict:
        return {"size": len(await request.body())}

    @app.put("/v1/json")
    async def json_body(body: dict) -> dict:
        return body

    guarded = BodyLimit(app, default_max=default_max, limits=limits)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://service")


def _chunks(count: int, size: int):
    async def body():
        for _ in range(count):
            yield b"x" * size

    return body()


async def test_a_body_within_the_limit_reaches_the_app():
    async with _client(default_max=100) as client:
        answer = await client.post("/v1/things", content=b"x" * 100)

    assert answer.status_code == 200 and answer.json() == {"size": 100}


async def test_an_announced_length_over_the_limit_is_refused_before_reading():
    READ.clear()
    async with _client(default_max=100) as client:
        answer = await client.post("/v1/things", content=b"x" * 101)

    assert answer.status_code == 413 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "requete_trop_volumineuse" and "100 octets" in answer.json()["detail"]
    assert READ == []  # the application never saw a byte


async def test_a_streamed_body_is_cut_at_the_first_chunk_past_the_limit():
    READ.clear()
    async with _client(default_max=1000) as client:
        answer = await client.post("/v1/things", content=_chunks(50, 100))  # chunked: no Content-Length

    assert answer.status_code == 413 and answer.json()["code"] == "requete_trop_volumineuse"
    assert sum(READ) == 1000  # 10 chunks reached the app; the 11th was refused


async def test_a_json_endpoint_cut_while_streaming_answers_413_not_a_parse_error():
    async with _client(default_max=10) as client:
        answer = await client.put("/v1/json", content=_chunks(3, 8), headers={"content-type": "application/json"})

    assert answer.status_code == 413 and answer.json()["code"] == "requete_trop_volumineuse"


async def test_a_route_has_its_own_maximum():
    async with _client(default_max=10, limits={"POST /v1/things/{thing_id}/files": 1000}) as client:
        assert (await client.post("/v1/things/7/files", content=b"x" * 1000)).status_code == 200
        assert (await client.post("/v1/things/7/files", content=b"x" * 1001)).status_code == 413
        assert (await client.post("/v1/things", content=b"x" * 11)).status_code == 413
