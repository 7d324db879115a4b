"""The owners of a dossier's records, over their ``/internal/v1`` endpoints (``messaging.internal``):
deposit (the dossier, its pièces, their documents) and notification (the e-mails sent about it)."""

from typing import Any

import httpx

from messaging.consumer import TransientError
from messaging.internal import PREFIX, loads


class DossierUnknown(Exception):
    """The owner has no such dossier (``gone_move``: it left for the archive under that move)."""

    def __init__(self, dossier_id: str, gone_move: str | None = None):
        super().__init__(dossier_id)
        self.gone_move = gone_move


class Sources:
    def __init__(self, deposit_url: str, notification_url: str, token: str | None, timeout: float = 60.0):
        headers = {"Authorization": f"Bearer {token or ''}"}
        self.deposit = httpx.AsyncClient(base_url=deposit_url + PREFIX, headers=headers, timeout=timeout)
        self.notification = httpx.AsyncClient(base_url=notification_url + PREFIX, headers=headers, timeout=timeout)

    async def close(self) -> None:
        await self.deposit.aclose()
        await self.notification.aclose()

    @staticmethod
    async def _get(client: httpx.AsyncClient, path: str) -> httpx.Response:
        try:
            response = await client.get(path)
        except httpx.HTTPError as exc:
            raise TransientError(f"{client.base_url}{path}: {exc!r}") from exc
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise TransientError(f"{client.base_url}{path}: HTTP {response.status_code} {response.text[:300]}")
        return response

    async def bundle(self, dossier_id: str) -> dict[str, Any]:
        response = await self._get(self.deposit, f"dossiers/{dossier_id}")
        if response.status_code == 410:
            raise DossierUnknown(dossier_id, response.json().get("move_id"))
        if response.status_code == 404:
            raise DossierUnknown(dossier_id)
        response.raise_for_status()
        return loads(response.content)

    async def notifications(self, dossier_id: str) -> list[dict[str, Any]]:
        response = await self._get(self.notification, f"dossiers/{dossier_id}/notifications")
        response.raise_for_status()
        return loads(response.content)

    async def document(self, file_id: Any) -> bytes:
        response = await self._get(self.deposit, f"documents/{file_id}")
        response.raise_for_status()
        return response.content
