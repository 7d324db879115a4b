"""A lease in MongoDB: among the replicas of a service, one at a time does a job (relaying the outbox,
reconciling). A holder that dies lets it expire; another takes it over after ``seconds``."""

import uuid
from datetime import timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from contracts import utcnow


class Lease:
    def __init__(self, collection: AsyncCollection, name: str, seconds: float):
        self.collection = collection
        self.name = name
        self.seconds = seconds
        self.owner = uuid.uuid4().hex
        self.terms = 0  # how many times this process took the lease (a new term: reload what the last holder knew)
        self._until = utcnow()
        self._held = False

    async def hold(self) -> bool:
        """True while this process holds the lease (renewed every half period)."""
        now = utcnow()
        if self._held and now < self._until - timedelta(seconds=self.seconds / 2):
            return True
        try:
            await self.collection.find_one_and_update(
                {"_id": self.name, "$or": [{"owner": self.owner}, {"expires_at": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "expires_at": now + timedelta(seconds=self.seconds)}},
                upsert=True,
            )
        except DuplicateKeyError:
            self._held = False  # another replica holds a live lease
            return False
        if not self._held or now >= self._until:
            self.terms += 1
        self._held, self._until = True, now + timedelta(seconds=self.seconds)
        return True
