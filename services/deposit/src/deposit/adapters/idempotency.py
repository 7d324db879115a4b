"""``Idempotency-Key`` records: ``{_id: "<scope>:<key>", request_hash, owner, lease_until, lsid}`` while
an attempt works (a reservation, written on its own before the work starts), then ``status`` and
``body`` once the transaction that made the change completed it.

Only the owner completes a reservation, first thing in the transaction of the change: an attempt
whose reservation was taken over after its lease ran out aborts instead of making the change twice.
The attempt's database session (``lsid``) is recorded with it: a process killed in the middle of
that transaction leaves it open on the server, holding its writes (up to the database's transaction
lifetime, 60 s on MongoDB), so whoever takes the key over kills that session first."""

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from contracts import utcnow
from deposit.adapters.bound import Bound
from messaging.unit_of_work import UnitOfWork

T = TypeVar("T")

log = logging.getLogger(__name__)

RETENTION_SECONDS = 7 * 24 * 3600


def fingerprint_of_digests(*digests: bytes) -> str:
    """What identifies a request's content: the SHA-256 of its parts' SHA-256 digests (each computed
    while its part was read, so no part is ever held whole)."""
    digest = hashlib.sha256()
    for part in digests:
        digest.update(part)
    return digest.hexdigest()


class LostReservation(Exception):
    """Another attempt took the key over after this one's lease ran out: that one makes the change."""


@dataclass(frozen=True)
class Reservation:
    """The right to make the change a key stands for, and the session to make it in; without a key,
    no store and no session (the transaction opens its own)."""

    store: "IdempotencyStore | None" = None
    key_id: str = ""
    owner: str = ""
    session: AsyncClientSession | None = None

    async def run(
        self, uow: "UnitOfWork[Any]", status: int, body: dict[str, Any], work: Callable[[Any], Awaitable[T]]
    ) -> T:
        """``work(tx)`` in the unit of work, in this reservation's session (the one its record names), after
        recording the answer first thing in that transaction (it aborts if the key was lost)."""

        async def completing(tx: Any) -> T:
            await tx.idempotency.complete(self, status, body)
            return await work(tx)

        return await uow.run(completing, session=self.session)  # type: ignore[return-value]


class IdempotencyStore(Bound):
    def __init__(self, database: AsyncDatabase, lease_seconds: float):
        self.client = database.client
        self.collection = database["idempotency_keys"]
        self.lease = timedelta(seconds=lease_seconds)
        self._finished: dict[str, asyncio.Event] = {}  # reservations held in this process

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("created_at", expireAfterSeconds=RETENTION_SECONDS)

    async def find(self, key_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": key_id})

    async def reserve(self, key_id: str, request_hash: str) -> Reservation | None:
        """The key for this attempt, or None when someone already holds or used it."""
        owner, now, session = uuid.uuid4().hex, utcnow(), self.client.start_session()
        try:
            await self.collection.insert_one(
                {
                    "_id": key_id,
                    "request_hash": request_hash,
                    "owner": owner,
                    "lease_until": now + self.lease,
                    "lsid": session.session_id,
                    "created_at": now,
                }
            )
        except BaseException as exc:
            await session.end_session()
            if isinstance(exc, DuplicateKeyError):
                return None
            raise
        return self._held(key_id, owner, session)

    async def take_over(self, abandoned: dict[str, Any]) -> Reservation | None:
        """The key an attempt abandoned (its lease ran out), or None if another attempt was quicker or
        the abandoned attempt's transaction still holds the record."""
        if abandoned.get("lsid"):
            await self._kill_session(abandoned["lsid"])
        owner, now, session = uuid.uuid4().hex, utcnow(), self.client.start_session()
        try:
            # In a transaction, so that a write still holding the record fails at once (WriteConflict)
            # instead of blocking until that write's transaction ends.
            async with await session.start_transaction():
                taken = await self.collection.find_one_and_update(
                    {"_id": abandoned["_id"], "owner": abandoned["owner"], "status": {"$exists": False}},
                    {"$set": {"owner": owner, "lease_until": now + self.lease, "lsid": session.session_id}},
                    session=session,
                )
        except BaseException as exc:
            await session.end_session()
            if isinstance(exc, OperationFailure) and exc.has_error_label("TransientTransactionError"):
                return None
            raise
        if taken is None:
            await session.end_session()
            return None
        log.info("idempotency key taken over from attempt %s, whose lease ran out", abandoned["owner"])
        return self._held(abandoned["_id"], owner, session)

    async def complete(self, reservation: Reservation, status: int, body: dict[str, Any]) -> None:
        """Record the answer of ``reservation`` (nothing without a key)."""
        if not reservation.key_id:
            return
        done = await self.collection.update_one(
            {"_id": reservation.key_id, "owner": reservation.owner, "status": {"$exists": False}},
            {
                "$set": {"status": status, "body": body, "completed_at": utcnow()},
                "$unset": {"lease_until": "", "lsid": ""},
            },
            session=self.session,
        )
        if done.matched_count == 0:
            raise LostReservation(reservation.key_id)

    async def release(self, reservation: Reservation) -> None:
        """Free the key of an attempt that changed nothing (a refusal, a failure)."""
        if reservation.session is not None:
            await reservation.session.end_session()  # aborts its transaction if one is still open
        await self.collection.delete_one(
            {"_id": reservation.key_id, "owner": reservation.owner, "status": {"$exists": False}}
        )

    async def finished(self, reservation: Reservation) -> None:
        """End the attempt's session and wake the requests of this process waiting for its key."""
        event = self._finished.pop(reservation.key_id, None)
        if event is not None:
            event.set()
        if reservation.session is not None:
            await reservation.session.end_session()

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

    async def _kill_session(self, lsid: dict[str, Any]) -> None:
        try:
            await self.client.admin.command("killSessions", [lsid])
        except OperationFailure as exc:  # not allowed here: the database ends it after its lifetime
            log.warning("could not kill the session of an abandoned idempotency key: %s", exc)

    def _held(self, key_id: str, owner: str, session: AsyncClientSession) -> Reservation:
        self._finished[key_id] = asyncio.Event()
        return Reservation(self, key_id, owner, session)
