"""The archive service as its users and ops reach it: a dossier's activity and move, on-demand sweeps,
and dossiers made stale by backdating the business clock."""

import asyncio
from datetime import date, timedelta

import httpx

from tests.support.circuit import Cast, deposited, wait_status
from tests.support.clock import BusinessClock

STALE_DAYS = 3 * 365 + 30  # comfortably more than two calendar years ago


class Archive:
    def __init__(self, system):
        self.url = system.archive_url
        self.admin = httpx.AsyncClient(
            base_url=system.archive_url,
            timeout=120,
            headers={"Authorization": f"Bearer {system.env['DEPOSIT_ADMIN_TOKEN']}"},
        )

    def client(self, token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    async def activity(self, dossier_id: str) -> dict | None:
        response = await self.admin.get(f"/v1/dossiers/{dossier_id}/activite")
        return response.json() if response.status_code == 200 else None

    async def sweep(self, au: date | None = None) -> dict:
        response = await self.admin.post("/admin/archivage", params={"au": au.isoformat()} if au else {})
        assert response.status_code == 200, response.text
        return response.json()

    async def wait(
        self, dossier_ids: list[str], predicate, what: str, timeout: float = 60.0, sweep: bool = False
    ) -> dict:
        """Each dossier's activity once ``predicate`` holds for all (sweeping on demand meanwhile if asked)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = {d: await self.activity(d) for d in dossier_ids}
            if all(a is not None and predicate(a) for a in found.values()):
                return found
            assert asyncio.get_running_loop().time() < deadline, f"never {what}: {found}"
            if sweep:
                await self.sweep()
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        await self.admin.aclose()


def backdated(days: float = STALE_DAYS) -> str:
    return (date.today() - timedelta(days=int(days) + 1)).isoformat()


async def stale_a4(cast: Cast, days: float = STALE_DAYS, attachments: tuple = (), **fields) -> tuple[str, str]:
    """An A4 made available to the MOE ``days`` ago (the business clock must stand there): (pièce, dossier)."""
    agent = cast.agents["fournisseur"]
    piece_id = await deposited(
        agent,
        "A4",
        fournisseur=cast.siret("fournisseur"),
        moe=cast.siret("moe"),
        moa=cast.siret("moa"),
        date_piece=backdated(days),
        attachments=attachments,
        **fields,
    )
    body = await wait_status(agent, piece_id, "MISE_A_DISPOSITION_MOE")
    return piece_id, body["dossier_id"]


async def archived_a4(system, actor, reader, attachments: list, **fields) -> tuple[str, str]:
    """An A4 ``actor`` deposits three years back (the business clock moved there), which ``reader`` sees at
    the MOE; then the clock comes back and the archive sweeps until its dossier is archived: (pièce, dossier)."""
    clock, archive = BusinessClock(system), Archive(system)
    try:
        await clock.set(-STALE_DAYS)
        piece_id = await deposited(actor, "A4", date_piece=backdated(), attachments=attachments, **fields)
        dossier_id = (await wait_status(reader, piece_id, "MISE_A_DISPOSITION_MOE"))["dossier_id"]
        await clock.set(0)
        await archive.wait([dossier_id], lambda a: a["phase"] == "archived", "archived", timeout=90, sweep=True)
    finally:
        await clock.close()
        await archive.close()
    return piece_id, dossier_id
