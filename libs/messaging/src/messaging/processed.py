"""Idempotent consumers: an event id is recorded in the same transaction as the handler's writes."""

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow

RETENTION_SECONDS = 30 * 24 * 3600


class ProcessedEvents:
    def __init__(self, database: AsyncDatabase, name: str = "processed_events"):
        self.collection = database[name]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("at", expireAfterSeconds=RETENTION_SECONDS)

    async def claim(self, event_id: str, session: AsyncClientSession) -> bool:
        """True the first time ``event_id`` is seen; False if an earlier (committed) run handled it.

        Two racing runs both insert: one commits, the other's transaction fails on the key and is
        retried by the consumer loop, which then finds the id and skips.
        """
        if await self.collection.find_one({"_id": event_id}, {"_id": 1}, session=session):
            return False
        await self.collection.insert_one({"_id": event_id, "at": utcnow()}, session=session)
        return True
