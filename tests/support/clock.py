"""The services' business clocks, moved together in the time tests (``CLOCK_CONTROL`` is on in the test
stack): a circuit "happens" 15 or 30 days later without waiting for it."""

import asyncio

import httpx

DAY = 86400


class BusinessClock:
    """The business clocks of deposit, routing and the archive's mover, moved together (``CLOCK_CONTROL``
    is on in the test stack): a dossier built in the past is not stale for the mover until the clocks
    come back to the present."""

    def __init__(self, system):
        admin = {"Authorization": f"Bearer {system.admin_token}"}  # /admin/clock: the administrator only
        self.deposit = httpx.AsyncClient(base_url=system.deposit_url, headers=admin)
        self.routing = httpx.AsyncClient(base_url=system.routing_url, timeout=30, headers=admin)
        self.mover = httpx.AsyncClient(base_url=system.archive_mover_url, timeout=30, headers=admin)
        self.offset_days = 0.0

    async def set(self, days: float) -> None:
        self.offset_days = days
        body = {"offset_seconds": days * DAY}
        for client in (self.deposit, self.routing, self.mover):
            moved = await client.post("/admin/clock", json=body)
            assert moved.status_code == 200, (str(client.base_url), moved.text)

    async def planned(self, dossier_id: str, echeance: str, timeout: float = 20.0) -> dict:
        """Routing's plan for the dossier, once it holds ``echeance`` (routing has seen the facts)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            response = await self.routing.get(f"/v1/dossiers/{dossier_id}/echeances")
            if response.status_code == 200:
                found = [e for e in response.json()["echeances"] if e["echeance"] == echeance]
                if found:
                    return found[0]
            assert asyncio.get_running_loop().time() < deadline, f"routing never planned {echeance}: {response.text}"
            await asyncio.sleep(0.2)

    async def published(self, dossier_id: str, echeance: str, timeout: float = 30.0) -> dict:
        """Routing's plan for the dossier, once it says ``echeance`` was published (remembered as fired:
        no sweep publishes it again)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = await self.planned(dossier_id, echeance, timeout)
            if found["publiee"]:
                return found
            assert asyncio.get_running_loop().time() < deadline, f"routing never recorded {echeance} as published"
            await asyncio.sleep(0.2)

    async def close(self) -> None:
        await self.set(0)
        await self.deposit.aclose()
        await self.routing.aclose()
        await self.mover.aclose()
