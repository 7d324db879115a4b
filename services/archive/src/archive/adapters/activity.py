"""Last activity per dossier, and the state of its move to the archive: the sweep's input.

``{_id: dossier_id, first_seen_at, last_activity_at, seq, statuts_vus, pieces, phase, move}``

- ``last_activity_at`` only grows (``$max`` on the event time): a replayed or late event never moves it back.
- ``seq`` counts the events seen: a move compares it before announcing, so activity during a move stops it.
- ``pieces``: ``{piece_id: {parties, code_service}}`` as the latest event showed each pièce: who may read
  the record (``readmodel.access.follows_dossier``).
- ``phase``: ``active``, ``moving`` (``move``: ``{id, step, lease_until, seq, started_at}``), ``archived``,
  or ``absent`` (its owner does not know it: nothing to move). Index ``(phase, last_activity_at)`` gives
  the sweep its candidates in time that grows with their number, not with the store's size;
  ``(phase, move.lease_until)`` gives the moves a crashed worker left.
"""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Self

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from readmodel.access import PieceParties

ACTIVE, MOVING, ARCHIVED, ABSENT = "active", "moving", "archived", "absent"


class ActivityLog:
    def __init__(self, database: AsyncDatabase, session: AsyncClientSession | None = None):
        self.database, self.session = database, session
        self.collection = database["dossier_activity"]

    def within(self, session: AsyncClientSession) -> Self:
        """This log, its writes in ``session``'s transaction."""
        return type(self)(self.database, session)

    async def ensure_indexes(self) -> None:
        await self.collection.update_many({"phase": {"$exists": False}}, {"$set": {"phase": ACTIVE}})
        await self.collection.create_index([("phase", ASCENDING), ("last_activity_at", ASCENDING)])
        await self.collection.create_index([("phase", ASCENDING), ("move.lease_until", ASCENDING)])

    async def touch(self, dossier_id: str, at: datetime, statut: str, piece_id: str, parties: PieceParties) -> None:
        await self.collection.update_one(
            {"_id": dossier_id},
            {
                "$max": {"last_activity_at": at},
                "$inc": {"seq": 1},
                "$set": {f"pieces.{piece_id}": parties.to_doc()},
                "$setOnInsert": {"first_seen_at": at, "phase": ACTIVE},
                "$addToSet": {"statuts_vus": statut},
            },
            upsert=True,
        )

    async def get(self, dossier_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": dossier_id})

    @staticmethod
    def parties(record: dict[str, Any]) -> list[PieceParties]:
        return [PieceParties.from_doc(doc) for doc in (record.get("pieces") or {}).values()]

    # ---- the sweep --------------------------------------------------------------------------------

    async def stale(self, before: datetime, limit: int | None, batch_size: int) -> AsyncIterator[str]:
        """Active dossiers whose last activity is before ``before``, oldest first, read from the
        ``(phase, last_activity_at)`` index ``batch_size`` ids at a time."""
        cursor = (
            self.collection.find({"phase": ACTIVE, "last_activity_at": {"$lt": before}}, {"_id": 1})
            .sort([("phase", ASCENDING), ("last_activity_at", ASCENDING)])
            .batch_size(batch_size)
        )
        if limit is not None:
            cursor = cursor.limit(limit)
        async for doc in cursor:
            yield doc["_id"]

    async def abandoned(self, now: datetime, limit: int) -> list[str]:
        """Moves whose worker let the lease expire (crashed, or waiting for an answer too long)."""
        cursor = self.collection.find({"phase": MOVING, "move.lease_until": {"$lt": now}}, {"_id": 1}).limit(limit)
        return [doc["_id"] async for doc in cursor]

    async def claim(
        self, dossier_id: str, before: datetime, move_id: str, now: datetime, lease_until: datetime
    ) -> dict[str, Any] | None:
        """Start a move, if the dossier is still active and stale; returns the move.

        Read by id, then a compare-and-set on ``phase`` and ``seq`` (the events seen so far, written into
        the move so that any later event shows): an event in between makes the claim fail. The filter
        names no range, so any MongoDB-protocol server serves it by ``_id``.
        """
        found = await self.collection.find_one({"_id": dossier_id}, {"phase": 1, "last_activity_at": 1, "seq": 1})
        if found is None or found.get("phase") != ACTIVE or not found["last_activity_at"] < before:
            return None
        move = {
            "id": move_id,
            "step": "claimed",
            "started_at": now,
            "lease_until": lease_until,
            "seq": found.get("seq"),
        }
        done = await self.collection.update_one(
            {"_id": dossier_id, "phase": ACTIVE, "seq": found.get("seq")}, {"$set": {"phase": MOVING, "move": move}}
        )
        return move if done.modified_count == 1 else None

    async def take_over(self, dossier_id: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        """Resume a move whose lease expired; returns the move (its step says where to resume)."""
        found = await self.collection.find_one({"_id": dossier_id}, {"phase": 1, "move": 1})
        move = (found or {}).get("move")
        if found is None or found.get("phase") != MOVING or move is None or not move["lease_until"] < now:
            return None
        done = await self.collection.update_one(
            {"_id": dossier_id, "move.id": move["id"], "move.lease_until": move["lease_until"]},
            {"$set": {"move.lease_until": lease_until}},
        )
        return {**move, "lease_until": lease_until} if done.modified_count == 1 else None

    async def step(self, dossier_id: str, move_id: str, step: str, lease_until: datetime, **fields: Any) -> bool:
        done = await self.collection.update_one(
            {"_id": dossier_id, "phase": MOVING, "move.id": move_id},
            {
                "$set": {
                    "move.step": step,
                    "move.lease_until": lease_until,
                    **{f"move.{k}": v for k, v in fields.items()},
                }
            },
        )
        return done.modified_count == 1

    async def quiet_since_claim(self, dossier_id: str, move_id: str) -> bool:
        """No event reached the dossier since the move started."""
        doc = await self.collection.find_one({"_id": dossier_id, "move.id": move_id}, {"seq": 1, "move.seq": 1})
        return doc is not None and doc.get("seq") == doc["move"].get("seq")

    async def end_move(self, dossier_id: str, move_id: str, phase: str, **fields: Any) -> bool:
        """The move is over: the dossier is ``archived``, ``active`` again (kept, aborted) or ``absent``."""
        done = await self.collection.update_one(
            {"_id": dossier_id, "move.id": move_id},
            {"$set": {"phase": phase, **fields}, "$unset": {"move": ""}},
            session=self.session,
        )
        return done.modified_count == 1

    async def phases(self) -> dict[str, int]:
        cursor = await self.collection.aggregate([{"$group": {"_id": "$phase", "n": {"$sum": 1}}}])
        return {doc["_id"]: doc["n"] async for doc in cursor}
