"""One record per (event, recipient): the mail to send, its delivery state, and the proof it was sent.

The consumer only *queues* deliveries (``queue``: an upsert by key, so a re-delivered event queues
nothing new); the sender (``notification.sender``) leases the due ones, sends them and records the
outcome. States:

- ``pending``: to send at ``next_attempt_at``; ``retrying``: a temporary SMTP failure, retried later;
- ``sent``: accepted by the SMTP server (never sent again);
- ``dead``: refused for good (5xx) or retries exhausted; published to the dead-letter topic, and back
  to ``pending`` when replayed (``python -m notification.replay``).

The one window left for a duplicate: a crash after the SMTP server accepted a mail and before the
record says ``sent``. The lease then expires and the mail goes again, with the same Message-ID (which
mail clients use to drop the copy).
"""

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow

SENDABLE = ("pending", "retrying")


class DeliveryLog:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["deliveries"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("dossier_id", ASCENDING), ("created_at", ASCENDING)])
        await self.collection.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)], name="due")

    @staticmethod
    def key(event_id: str, email: str) -> str:
        return f"{event_id}:{email.lower()}"

    async def queue(self, event_id: str, email: str, fields: dict[str, Any]) -> bool:
        """Queue the mail the first time this (event, recipient) is seen; True if it was new."""
        now = utcnow()
        result = await self.collection.update_one(
            {"_id": self.key(event_id, email)},
            {
                "$setOnInsert": {
                    "event_id": event_id,
                    "email": email,
                    "state": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                    "lease_until": None,
                    **fields,
                }
            },
            upsert=True,
        )
        return result.upserted_id is not None

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Keys of deliveries to attempt now, oldest first (read through the ``due`` index)."""
        found: list[str] = []
        for state in SENDABLE:
            cursor = (
                self.collection.find({"state": state, "next_attempt_at": {"$lte": now}}, {"_id": 1})
                .sort("next_attempt_at", ASCENDING)
                .limit(limit)
            )
            found += [doc["_id"] async for doc in cursor]
        return found[:limit]

    async def lease(self, key: str, lease: timedelta) -> dict[str, Any] | None:
        """The delivery, leased to the caller if it is still to send and nobody else holds it."""
        now = utcnow()
        return await self.collection.find_one_and_update(
            {
                "_id": key,
                "state": {"$in": list(SENDABLE)},
                "next_attempt_at": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}],
            },
            {"$set": {"lease_until": now + lease}},
            return_document=ReturnDocument.AFTER,
        )

    async def mark_sent(self, key: str) -> None:
        await self.collection.update_one(
            {"_id": key},
            {
                "$set": {"state": "sent", "sent_at": utcnow(), "error": None, "lease_until": None},
                "$inc": {"attempts": 1},
            },
        )

    async def retry_later(self, key: str, error: str, at: datetime) -> None:
        await self.collection.update_one(
            {"_id": key},
            {
                "$set": {"state": "retrying", "error": error, "next_attempt_at": at, "lease_until": None},
                "$inc": {"attempts": 1},
            },
        )

    async def mark_dead(self, key: str, error: str) -> None:
        await self.collection.update_one(
            {"_id": key},
            {
                "$set": {"state": "dead", "error": error, "dead_at": utcnow(), "lease_until": None},
                "$inc": {"attempts": 1},
            },
        )

    async def revive(self, key: str) -> bool:
        """A dead delivery goes back to the queue (a replay); True if it was dead."""
        result = await self.collection.update_one(
            {"_id": key, "state": "dead"},
            {"$set": {"state": "pending", "attempts": 0, "next_attempt_at": utcnow(), "lease_until": None}},
        )
        return result.modified_count == 1

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": key})

    async def of_dossier(self, dossier_id: str) -> list[dict[str, Any]]:
        hidden = {"_id": 0, "text": 0, "html": 0, "lease_until": 0}
        return await self.collection.find({"dossier_id": dossier_id}, hidden).sort("created_at", ASCENDING).to_list()
