"""Per-caller rate limits: one token bucket per bearer token (keyed by its SHA-256, the token itself is
never kept) or, for a request without one, per client address. A request above the limit answers
429 ``trop_de_requetes`` with ``Retry-After``. Health and metrics are never limited.

The buckets live in the process: the limit holds per replica. Their number is bounded (the least
recently used bucket is dropped first; a dropped bucket comes back full, which only forgives an idle
caller).
"""

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from messaging.problems import Problem, problem_response

EXEMPT_PREFIXES = ("/health/", "/metrics", "/internal/")  # service-to-service calls have their own secret


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """``per_second`` requests a second on average, ``burst`` at once; at most ``max_keys`` buckets."""

    def __init__(self, per_second: float, burst: int, max_keys: int):
        if per_second <= 0 or burst < 1 or max_keys < 1:
            raise ValueError("per_second > 0, burst ≥ 1 and max_keys ≥ 1 are required")
        self.per_second = per_second
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, now: float) -> float:
        """Spend one request of ``key``'s bucket: 0 when allowed, else the seconds until one is."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_second)
            bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second


def caller_key(headers: list[tuple[bytes, bytes]], client: tuple[str, int] | None) -> str:
    """Who a request counts against: its bearer token's SHA-256, else its client address."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return "token:" + hashlib.sha256(token.strip()).hexdigest()
    return "address:" + (client[0] if client else "unknown")


def retry_after(wait: float) -> int:
    """Whole seconds for ``Retry-After`` (RFC 9110): never 0, or the caller would retry at once."""
    return max(1, math.ceil(wait))


class RateLimit:
    """ASGI middleware applying ``TokenBuckets`` to every HTTP request but health and metrics."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets, clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.buckets = buckets
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(caller_key(scope["headers"], scope.get("client")), self.clock())
        if not wait:
            await self.app(scope, receive, send)
            return
        seconds = retry_after(wait)
        problem = Problem(
            "trop_de_requetes",
            "Trop de requêtes",
            f"Au plus {self.buckets.per_second:g} requêtes par seconde en moyenne (rafales de {self.buckets.burst}) "
            f"par jeton ; réessayez dans {seconds} s.",
            429,
            headers={"Retry-After": str(seconds)},
        )
        await problem_response(problem, scope["path"])(scope, receive, send)
