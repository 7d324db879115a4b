"""``Idempotency-Key`` records: ``{_id: "<scope>:<key>", request_hash, owner, lease_until}`` while an
attempt works (a reservation, written on its own before the work starts), then ``status`` and ``body``
once the transaction that made the change completed it.

Only the owner completes a reservation, in the transaction of the change: an attempt whose
reservation was taken over after its lease ran out aborts instead of making the change twice."""

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from contracts import utcnow

RETENTION_SECONDS = 7 * 24 * 3600
_WRITE_CONFLICT = 112


def fingerprint(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


class LostReservation(Exception):
    """Another attempt took the key over after this one's lease ran out: that one makes the change."""


@dataclass(frozen=True)
class Reservation:
    """The right to make the change a key stands for; ``store`` is None for a request without a key."""

    store: "IdempotencyStore | None" = None
    key_id: str = ""
    owner: str = ""

    async def complete(self, status: int, body: dict[str, Any], session: AsyncClientSession) -> None:
        """Record the answer; call first in the transaction of the change (it aborts if the key was lost)."""
        if self.store is not None:
            await self.store.complete(self, status, body, session)


class IdempotencyStore:
    def __init__(self, database: AsyncDatabase, lease_seconds: float):
        self.collection = database["idempotency_keys"]
        self.lease = timedelta(seconds=lease_seconds)
        self._finished: dict[str, asyncio.Event] = {}  # reservations held in this process

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("created_at", expireAfterSeconds=RETENTION_SECONDS)

    async def find(self, key_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": key_id})

    async def reserve(self, key_id: str, request_hash: str) -> Reservation | None:
        """The key for this attempt, or None when someone already holds or used it."""
        owner, now = uuid.uuid4().hex, utcnow()
        try:
            await self.collection.insert_one(
                {
                    "_id": key_id,
                    "request_hash": request_hash,
                    "owner": owner,
                    "lease_until": now + self.lease,
                    "created_at": now,
                }
            )
        except DuplicateKeyError:
            return None
        return self._held(key_id, owner)

    async def take_over(self, key_id: str, owner: str) -> Reservation | None:
        """The key an attempt abandoned (its lease ran out), or None if another attempt was quicker."""
        new_owner, now = uuid.uuid4().hex, utcnow()
        try:
            taken = await self.collection.find_one_and_update(
                {"_id": key_id, "owner": owner, "status": {"$exists": False}, "lease_until": {"$lt": now}},
                {"$set": {"owner": new_owner, "lease_until": now + self.lease}},
            )
        except OperationFailure as exc:
            if exc.code == _WRITE_CONFLICT:  # the old owner's transaction is completing it right now
                return None
            raise
        return self._held(key_id, new_owner) if taken is not None else None

    async def complete(
        self, reservation: Reservation, status: int, body: dict[str, Any], session: AsyncClientSession
    ) -> None:
        done = await self.collection.update_one(
            {"_id": reservation.key_id, "owner": reservation.owner, "status": {"$exists": False}},
            {"$set": {"status": status, "body": body, "completed_at": utcnow()}, "$unset": {"lease_until": ""}},
            session=session,
        )
        if done.matched_count == 0:
            raise LostReservation(reservation.key_id)

    async def release(self, reservation: Reservation) -> None:
        """Free the key of an attempt that changed nothing (a refusal, a failure)."""
        await self.collection.delete_one(
            {"_id": reservation.key_id, "owner": reservation.owner, "status": {"$exists": False}}
        )

    def finished(self, reservation: Reservation) -> None:
        """Wake the requests of this process waiting for this key."""
        event = self._finished.pop(reservation.key_id, None)
        if event is not None:
            event.set()

    async def wait(self, key_id: str, timeout: float) -> None:
        """Until the attempt holding ``key_id`` finishes, if it runs in this process; else ``timeout``."""
        event = self._finished.get(key_id)
        if event is None:
            await asyncio.sleep(timeout)
            return
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass

    def _held(self, key_id: str, owner: str) -> Reservation:
        self._finished[key_id] = asyncio.Event()
        return Reservation(self, key_id, owner)
