"""Last activity per dossier: the input of the two-year archiving sweep.

Updates are ``$max`` on the event time, so a replayed or late event can never move a dossier's
last activity backwards: idempotent without a processed-events record.
"""

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase


class ActivityLog:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["dossier_activity"]

    async def ensure_indexes(self) -> None:
        # The sweep looks for dossiers whose last activity is older than a date.
        await self.collection.create_index([("last_activity_at", ASCENDING)])

    async def touch(self, dossier_id: str, at: datetime, statut: str) -> None:
        await self.collection.update_one(
            {"_id": dossier_id},
            {
                "$max": {"last_activity_at": at},
                "$setOnInsert": {"first_seen_at": at},
                "$addToSet": {"statuts_vus": statut},
            },
            upsert=True,
        )

    async def get(self, dossier_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": dossier_id})
