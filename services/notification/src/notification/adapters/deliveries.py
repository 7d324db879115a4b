"""One record per (event, recipient): the proof an e-mail was sent, and its delivery state.

The record is written ``pending`` before sending and ``sent`` after, so a re-delivered event never
mails a recipient twice. The one window left: a crash after the SMTP server accepted the message
and before the record says ``sent``; the replay then sends it again with the same Message-ID.
"""

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow


class DeliveryLog:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["deliveries"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("dossier_id", ASCENDING), ("created_at", ASCENDING)])

    @staticmethod
    def key(event_id: str, email: str) -> str:
        return f"{event_id}:{email.lower()}"

    async def open(self, event_id: str, email: str, fields: dict[str, Any]) -> dict[str, Any]:
        """The delivery record, created ``pending`` the first time."""
        key = self.key(event_id, email)
        await self.collection.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    "event_id": event_id,
                    "email": email,
                    "state": "pending",
                    "attempts": 0,
                    "created_at": utcnow(),
                    **fields,
                }
            },
            upsert=True,
        )
        return await self.collection.find_one({"_id": key})

    async def mark_sent(self, key: str) -> None:
        await self.collection.update_one(
            {"_id": key}, {"$set": {"state": "sent", "sent_at": utcnow(), "error": None}, "$inc": {"attempts": 1}}
        )

    async def mark_failed(self, key: str, error: str, state: str = "failed") -> None:
        await self.collection.update_one(
            {"_id": key}, {"$set": {"state": state, "error": error}, "$inc": {"attempts": 1}}
        )

    async def of_dossier(self, dossier_id: str) -> list[dict[str, Any]]:
        return (
            await self.collection.find({"dossier_id": dossier_id}, {"_id": 0}).sort("created_at", ASCENDING).to_list()
        )
