"""Who calls: the archive answers with the same habilitations as the active side. A bearer token is
resolved by deposit, which holds the directory (``GET /v1/moi``); the answer is kept in memory for
``AUTH_CACHE_SECONDS``, keyed by the token's hash."""

import hashlib
import time

import httpx

from messaging.problems import Problem
from readmodel.access import Principal, principal_from_user


class Principals:
    def __init__(self, deposit_url: str, cache_seconds: float, timeout: float = 10.0):
        self.http = httpx.AsyncClient(base_url=deposit_url, timeout=timeout)
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def close(self) -> None:
        await self.http.aclose()

    async def resolve(self, token: str) -> Principal | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        held = self._cache.get(key)
        if held is not None and held[0] > time.monotonic():
            return held[1]
        try:
            response = await self.http.get("/v1/moi", headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code >= 500:
            raise Problem(
                "annuaire_indisponible",
                "Annuaire indisponible",
                "Les habilitations ne peuvent être vérifiées pour le moment ; réessayez.",
                503,
                headers={"Retry-After": "5"},
            )
        principal = principal_from_user(response.json()) if response.status_code == 200 else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (time.monotonic() + self.cache_seconds, principal)
        return principal
