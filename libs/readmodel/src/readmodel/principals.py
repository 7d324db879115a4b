"""Who calls, for the services that do not own the directory (routing, notification, the archive): a
bearer token is resolved by deposit, which holds the directory (``GET /v1/moi``), into the same
``Principal`` deposit builds for itself; the answer is kept in memory for ``AUTH_CACHE_SECONDS``, keyed by
the token's hash (an unknown token too, so a flood of bad tokens does not reach deposit more often)."""

import hashlib
import time

import httpx

from messaging.problems import Problem
from readmodel.access import Principal, principal_from_user


def directory_unavailable() -> Problem:
    return Problem(
        "annuaire_indisponible",
        "Annuaire indisponible",
        "Les habilitations ne peuvent être vérifiées pour le moment ; réessayez.",
        503,
        headers={"Retry-After": "5"},
    )


class Principals:
    """``deposit_url``: where deposit's public API answers. The HTTP client is made on first use, inside
    the running event loop, so a module may build its resolver at import (faust apps do)."""

    def __init__(self, deposit_url: str, cache_seconds: float, timeout: float = 10.0):
        self.deposit_url = deposit_url
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._http: httpx.AsyncClient | None = None
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def resolve(self, token: str) -> Principal | None:
        """The token's caller; None for an unknown or revoked token or an inactive account; 503
        ``annuaire_indisponible`` when deposit cannot answer."""
        key = hashlib.sha256(token.encode()).hexdigest()
        held = self._cache.get(key)
        if held is not None and held[0] > time.monotonic():
            return held[1]
        if self._http is None:
            self._http = httpx.AsyncClient(base_url=self.deposit_url, timeout=self.timeout)
        try:
            response = await self._http.get("/v1/moi", headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code not in (200, 401, 403):
            raise directory_unavailable()  # deposit away, overloaded or rate-limiting: nothing to cache
        principal = principal_from_user(response.json()) if response.status_code == 200 else None
        if self.cache_seconds > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (time.monotonic() + self.cache_seconds, principal)
        return principal
