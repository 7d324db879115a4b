"""Per-token rate limits: the token bucket (pure, with a given clock) and the middleware in front of an app."""

import hashlib

import httpx
import pytest
from fastapi import FastAPI

from messaging.ratelimit import RateLimit, TokenBuckets, caller_key, retry_after


def test_a_bucket_allows_its_burst_then_refuses_until_it_refills():
    buckets = TokenBuckets(per_second=2, burst=3, max_keys=10)

    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a", now=0.0) == pytest.approx(0.5)  # one request refills in 1/2 s
    assert buckets.take("a", now=0.5) == 0
    assert buckets.take("a", now=0.5) == pytest.approx(0.5)


def test_a_bucket_never_holds_more_than_its_burst():
    buckets = TokenBuckets(per_second=100, burst=2, max_keys=10)
    buckets.take("a", now=0.0)

    assert [buckets.take("a", now=3600.0) for _ in range(3)][-1] > 0  # an hour idle still gives 2, not 360,000


def test_callers_have_their_own_buckets():
    buckets = TokenBuckets(per_second=1, burst=1, max_keys=10)

    assert buckets.take("a", now=0.0) == 0 and buckets.take("a", now=0.0) > 0
    assert buckets.take("b", now=0.0) == 0


def test_memory_is_bounded_by_dropping_the_least_recently_used_bucket():
    buckets = TokenBuckets(per_second=1, burst=1, max_keys=2)
    buckets.take("a", now=0.0)
    buckets.take("b", now=0.0)
    buckets.take("a", now=0.0)  # a is now the most recent (and empty)
    buckets.take("c", now=0.0)  # drops b

    assert len(buckets) == 2
    assert buckets.take("a", now=0.0) > 0  # a was kept, still empty
    assert buckets.take("b", now=0.0) == 0  # b comes back full


def test_a_request_counts_against_its_token_hash_else_its_address():
    token_key = caller_key([(b"authorization", b"Bearer tvx_secret")], ("10.0.0.1", 5000))

    assert token_key == "token:" + hashlib.sha256(b"tvx_secret").hexdigest() and "tvx_secret" not in token_key
    assert caller_key([(b"authorization", b"Basic abc")], ("10.0.0.1", 5000)) == "address:10.0.0.1"
    assert caller_key([], None) == "address:unknown"


@pytest.mark.parametrize("wait, header", [(0.01, 1), (0.5, 1), (1.0, 1), (1.2, 2)])
def test_retry_after_is_whole_seconds_never_zero(wait, header):
    assert retry_after(wait) == header


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def _client(buckets: TokenBuckets, clock: _Clock) -> httpx.AsyncClient:
    app = FastAPI()

    @app.get("/v1/things")
    async def things() -> dict:
        return {"ok": True}

    @app.get("/health/live")
    async def live() -> dict:
        return {"status": "ok"}

    limited = RateLimit(app, buckets, clock)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://service")


async def test_over_the_limit_a_token_gets_a_429_problem_with_retry_after_and_others_go_on():
    clock = _Clock()
    async with _client(TokenBuckets(per_second=0.5, burst=2, max_keys=100), clock) as client:
        one, other = {"Authorization": "Bearer one"}, {"Authorization": "Bearer other"}
        assert [(await client.get("/v1/things", headers=one)).status_code for _ in range(2)] == [200, 200]

        refused = await client.get("/v1/things", headers=one)

        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "2"
        assert refused.json()["code"] == "trop_de_requetes" and refused.json()["instance"] == "/v1/things"
        assert (await client.get("/v1/things", headers=other)).status_code == 200
        assert (await client.get("/health/live", headers=one)).status_code == 200  # health is never limited
        clock.now = 2.0
        assert (await client.get("/v1/things", headers=one)).status_code == 200
