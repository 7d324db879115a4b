"""Deliveries: one ledger record per (event, recipient), and a small queue of the mails still to send.

- ``deliveries`` (the ledger, and the history the API shows): created once per key, never deleted;
  its ``state`` says ``pending``, ``retrying``, ``sent`` or ``dead``.
- ``mail_queue``: the mails not sent yet, with the message, the next attempt's time and the lease;
  ``dead_mails``: the messages of the mails given up, which a replay puts back in the queue.
  An entry leaves the queue once the ledger records it ``sent`` (the next single-document write, see
  ``mark_sent``) or ``dead`` (in the same transaction), so the sender's queries read a collection as small
  as the backlog, not the whole history (reading the ledger for due mails took seconds with 40,000 records
  on the local MongoDB-protocol server).

The consumer queues (``queue``: ledger and queue entry in one transaction, the unit of work's, once per
key, so a re-delivered event queues nothing); the sender (``notification.sender``) leases due entries, sends
and records the outcome. The one window left for a duplicate: a crash after the SMTP server accepted a
mail and before the ledger records ``sent`` and the entry leaves the queue. The lease then expires and the mail goes again,
with the same Message-ID (which mail clients use to drop the copy).
"""

from datetime import datetime, timedelta
from typing import Any, Self

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow

URGENT, NORMAL = 0, 1  # a mail someone waits for (a one-time code), and every other
_MESSAGE = ("email", "subject", "text", "html", "dossier_id", "piece_id", "statut", "event_id", "priority")


class DeliveryLog:
    """The writes that belong together (``queue``, ``mark_dead``, ``revive``, ``forget``) run on a log bound to
    a transaction (``within``, by the unit of work); ``mark_sent`` and ``retry_later`` are single-document
    writes on purpose, on the unbound log."""

    def __init__(self, database: AsyncDatabase, session: AsyncClientSession | None = None):
        self.database, self.session = database, session
        self.collection = database["deliveries"]
        self.queue_ = database["mail_queue"]
        self.dead = database["dead_mails"]  # the messages of dead mails, until a replay

    def within(self, session: AsyncClientSession) -> Self:
        """This log, its reads and writes in ``session``'s transaction."""
        return type(self)(self.database, session)

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("dossier_id", ASCENDING), ("created_at", ASCENDING)])
        await self.queue_.create_index([("priority", ASCENDING), ("next_attempt_at", ASCENDING)], name="due_first")

    @staticmethod
    def key(event_id: str, email: str) -> str:
        return f"{event_id}:{email.lower()}"

    async def queue(self, event_id: str, mails: list[tuple[str, dict[str, Any]]], priority: int = NORMAL) -> int:
        """Queue an event's mails ((email, fields) each), those whose (event, recipient) was never seen
        (ledger and queue entries: run it in a transaction); returns how many were new. ``URGENT`` mails (a person waits for a code) are
        sent before the ``NORMAL`` backlog."""
        now = utcnow()
        records = {
            self.key(event_id, email): {
                "event_id": event_id,
                "email": email,
                "attempts": 0,
                "created_at": now,
                **fields,
            }
            for email, fields in mails
        }
        if not records:
            return 0
        cursor = self.collection.find({"_id": {"$in": list(records)}}, {"_id": 1}, session=self.session)
        seen = {doc["_id"] async for doc in cursor}
        new = {key: record for key, record in records.items() if key not in seen}
        if not new:
            return 0
        ledger = [
            {"_id": key, **{k: v for k, v in r.items() if k not in ("text", "html")}, "state": "pending"}
            for key, r in new.items()
        ]
        await self.collection.insert_many(ledger, session=self.session)
        entries = [
            {"_id": key, **r, "priority": priority, "next_attempt_at": now, "lease_until": None}
            for key, r in new.items()
        ]
        await self.queue_.insert_many(entries, session=self.session)
        return len(new)

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Keys of queued mails to attempt now: urgent ones first, then the oldest."""
        cursor = self.queue_.find({"next_attempt_at": {"$lte": now}}, {"_id": 1}).sort(
            [("priority", ASCENDING), ("next_attempt_at", ASCENDING)]
        )
        return [doc["_id"] async for doc in cursor.limit(limit)]

    async def lease(self, key: str, lease: timedelta) -> dict[str, Any] | None:
        """The queued mail, leased to the caller if it is due and nobody else holds it."""
        now = utcnow()
        return await self.queue_.find_one_and_update(
            {
                "_id": key,
                "next_attempt_at": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}],
            },
            {"$set": {"lease_until": now + lease}},
            return_document=ReturnDocument.AFTER,
        )

    async def mark_sent(self, key: str, attempts: int) -> None:
        """Two single-document writes, the ledger first, no transaction: a sender killed between them leaves
        the entry queued, and it goes again once its lease expires (the one window of a duplicate, as a kill
        before the ledger write). A transaction would be no safer, and a killed one would hold the entry
        locked for the database's abandoned-transaction lifetime (60 s) on top of the lease."""
        ledger = {"state": "sent", "sent_at": utcnow(), "error": None, "attempts": attempts}
        await self.collection.update_one({"_id": key}, {"$set": ledger})
        await self.queue_.delete_one({"_id": key})

    async def mark_dead(self, key: str, error: str, attempts: int, entry: dict[str, Any]) -> None:
        """Given up: the message moves to ``dead_mails``, where a replay takes it back from (three writes:
        run it in a transaction)."""
        ledger = {"state": "dead", "error": error, "dead_at": utcnow(), "attempts": attempts}
        kept = {k: entry.get(k) for k in _MESSAGE}
        await self.collection.update_one({"_id": key}, {"$set": ledger}, session=self.session)
        await self.queue_.delete_one({"_id": key}, session=self.session)
        await self.dead.replace_one({"_id": key}, {"_id": key, **kept}, upsert=True, session=self.session)

    async def retry_later(self, key: str, error: str, at: datetime, attempts: int) -> None:
        await self.queue_.update_one(
            {"_id": key}, {"$set": {"next_attempt_at": at, "lease_until": None, "attempts": attempts, "error": error}}
        )
        await self.collection.update_one(
            {"_id": key}, {"$set": {"state": "retrying", "error": error, "attempts": attempts, "next_attempt_at": at}}
        )

    async def revive(self, key: str) -> bool:
        """A dead mail goes back to the queue (a replay; run it in a transaction); True if it was dead."""
        now, session = utcnow(), self.session
        kept = await self.dead.find_one({"_id": key}, session=session)
        result = await self.collection.update_one(
            {"_id": key, "state": "dead"}, {"$set": {"state": "pending", "attempts": 0}}, session=session
        )
        if kept is None or result.modified_count != 1:
            return False
        await self.queue_.replace_one(
            {"_id": key}, {**kept, "attempts": 0, "next_attempt_at": now, "lease_until": None}, upsert=True,
            session=session,
        )  # fmt: skip
        await self.dead.delete_one({"_id": key}, session=session)
        return True

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": key})

    async def records_of(self, dossier_id: str) -> list[dict[str, Any]]:
        """Every ledger record of the dossier as stored, with its queued or dead message if it has one."""
        records = await self.collection.find({"dossier_id": dossier_id}).sort("_id", ASCENDING).to_list()
        keys = [r["_id"] for r in records]
        queued = {e["_id"]: e async for e in self.queue_.find({"_id": {"$in": keys}})}
        dead = {e["_id"]: e async for e in self.dead.find({"_id": {"$in": keys}})}
        for record in records:
            message = queued.get(record["_id"]) or dead.get(record["_id"])
            if message is not None:
                record["message"] = {k: message.get(k) for k in ("subject", "text", "html")}
        return records

    async def forget(self, keys: list[str]) -> int:
        """Remove records (and their queued or dead message) that now live in the archive."""
        session = self.session
        await self.queue_.delete_many({"_id": {"$in": keys}}, session=session)
        await self.dead.delete_many({"_id": {"$in": keys}}, session=session)
        return (await self.collection.delete_many({"_id": {"$in": keys}}, session=session)).deleted_count

    async def of_dossier(self, dossier_id: str) -> list[dict[str, Any]]:
        hidden = {"_id": 0, "text": 0, "html": 0}
        return await self.collection.find({"dossier_id": dossier_id}, hidden).sort("created_at", ASCENDING).to_list()
