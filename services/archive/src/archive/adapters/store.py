"""The archive's own store (the archive service is its single writer).

- ``dossiers``: ``{_id: dossier_id, state: staged|archived, move_id, fingerprint, record, notifications,
  counts, location, staged_at, archived_at}``; ``record`` is the owner's dossier record as it was.
- ``pieces``: the owner's pièce records as they were (same ``_id``, history, document metadata), plus
  ``archive: {state, move_id, archived_at}``. Searches read only ``archive.state == "archived"``.
- ``documents.files`` / ``documents.chunks``: every document and attachment in the GridFS layout, under the
  owner's file id, so the copy of a file is a replace, never a second file.

A copy is ``staged`` until the owner confirms it removed the dossier from the active store; it is then
``archived`` (published to searches) in one transaction, or dropped if the owner kept the dossier.
"""

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Self

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from archive.domain.verification import StoredCopy

BUCKET = "documents"
CHUNK_SIZE = 255 * 1024
STAGED, ARCHIVED = "staged", "archived"


def staged_dossier(
    bundle: dict[str, Any], move_id: str, notifications: list[dict[str, Any]], location: str, now: datetime
) -> dict[str, Any]:
    """The archive's record of a dossier copied but not yet verified and announced."""
    return {
        "_id": bundle["dossier_id"],
        "state": STAGED,
        "move_id": move_id,
        "fingerprint": bundle["fingerprint"],
        "record": bundle["dossier"],
        "notifications": notifications,
        "location": location,
        "staged_at": now,
        "archived_at": None,
    }


def staged_piece(piece: dict[str, Any], move_id: str) -> dict[str, Any]:
    return {**piece, "archive": {"state": STAGED, "move_id": move_id, "archived_at": None}}


class CopyConflict(Exception):
    """The dossier is already archived under another move: never overwrite an archived dossier."""


def owner_record(piece: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in piece.items() if k != "archive"}


class ArchiveStore:
    def __init__(self, database: AsyncDatabase, session: AsyncClientSession | None = None):
        self.database, self.session = database, session
        self.dossiers = database["dossiers"]
        self.pieces = database["pieces"]
        self.files = database[f"{BUCKET}.files"]
        self.chunks = database[f"{BUCKET}.chunks"]

    def within(self, session: AsyncClientSession) -> Self:
        """This store, its reads and writes in ``session``'s transaction."""
        return type(self)(self.database, session)

    async def ensure_indexes(self) -> None:
        await self.pieces.create_index([("parties", ASCENDING), ("deposee_le", DESCENDING)])
        await self.pieces.create_index([("dossier_id", ASCENDING)])
        await self.files.create_index([("metadata.dossier_id", ASCENDING)])
        await self.files.create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
        await self.chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)

    # ---- the move ---------------------------------------------------------------------------------

    async def stage(
        self,
        bundle: dict[str, Any],
        notifications: list[dict[str, Any]],
        move_id: str,
        location: str,
        now: datetime,
    ) -> None:
        """Write the dossier's records (not its files) as a staged copy; rerunning it rewrites the same."""
        dossier_id = bundle["dossier_id"]
        held = await self.dossiers.find_one({"_id": dossier_id}, {"state": 1, "move_id": 1})
        if held is not None and held["state"] == ARCHIVED:
            raise CopyConflict(f"dossier {dossier_id} is already archived (move {held['move_id']})")
        piece_ids = [p["_id"] for p in bundle["pieces"]]
        await self.pieces.delete_many({"dossier_id": dossier_id, "_id": {"$nin": piece_ids}})
        for piece in bundle["pieces"]:
            await self.pieces.replace_one({"_id": piece["_id"]}, staged_piece(piece, move_id), upsert=True)
        await self.dossiers.replace_one(
            {"_id": dossier_id},
            staged_dossier(bundle, move_id, notifications, location, now),
            upsert=True,
        )

    async def put_file(self, dossier_id: str, document: dict[str, Any], content: bytes, now: datetime) -> None:
        """Store one file under the owner's id, replacing any earlier partial copy of it."""
        file_id: ObjectId = document["file_id"]
        await self.chunks.delete_many({"files_id": file_id})
        chunks = [
            {"files_id": file_id, "n": n, "data": content[offset : offset + CHUNK_SIZE]}
            for n, offset in enumerate(range(0, len(content), CHUNK_SIZE))
        ]
        if chunks:
            await self.chunks.insert_many(chunks)
        await self.files.replace_one(
            {"_id": file_id},
            {
                "_id": file_id,
                "length": len(content),
                "chunkSize": CHUNK_SIZE,
                "uploadDate": now,
                "filename": document["filename"],
                "metadata": {
                    "dossier_id": dossier_id,
                    "piece_id": document["piece_id"],
                    "content_type": document["content_type"],
                    "sha256": document["sha256"],
                },
            },
            upsert=True,
        )

    async def read_back(self, dossier_id: str) -> StoredCopy:
        """The copy as the store gives it back, every file's bytes hashed again."""
        held = await self.dossiers.find_one({"_id": dossier_id})
        pieces = await self.pieces.find({"dossier_id": dossier_id}).sort("_id", ASCENDING).to_list()
        documents = {}
        async for meta in self.files.find({"metadata.dossier_id": dossier_id}, {"_id": 1}):
            digest, size = hashlib.sha256(), 0
            async for chunk in self._chunks(meta["_id"]):
                digest.update(chunk)
                size += len(chunk)
            documents[str(meta["_id"])] = (size, digest.hexdigest())
        return StoredCopy(
            dossier=None if held is None else held["record"],
            pieces=[owner_record(p) for p in pieces],
            documents=documents,
            notifications=[] if held is None else held["notifications"],
        )

    async def record_counts(self, dossier_id: str, counts: dict[str, int]) -> None:
        await self.dossiers.update_one({"_id": dossier_id}, {"$set": {"counts": counts}})

    async def copy_of(self, dossier_id: str, move_id: str) -> dict[str, Any] | None:
        """The dossier's copy made by this move (staged or archived), without its pièces."""
        return await self.dossiers.find_one({"_id": dossier_id, "move_id": move_id}, session=self.session)

    async def piece_ids(self, dossier_id: str) -> list[str]:
        cursor = self.pieces.find({"dossier_id": dossier_id}, {"_id": 1}, session=self.session).sort("_id", 1)
        return [p["_id"] async for p in cursor]

    async def publish(self, dossier_id: str, move_id: str, now: datetime) -> bool:
        """The owner removed the dossier: the staged copy becomes the archived dossier (searchable; two
        writes: run it in a transaction)."""
        session = self.session
        done = await self.dossiers.update_one(
            {"_id": dossier_id, "move_id": move_id, "state": STAGED},
            {"$set": {"state": ARCHIVED, "archived_at": now}},
            session=session,
        )
        if done.modified_count:
            await self.pieces.update_many(
                {"dossier_id": dossier_id},
                {"$set": {"archive.state": ARCHIVED, "archive.archived_at": now}},
                session=session,
            )
        return bool(done.modified_count)

    async def drop(self, dossier_id: str, move_id: str) -> bool:
        """Forget a staged copy of this move (never an archived dossier)."""
        session = self.session
        held = await self.dossiers.find_one({"_id": dossier_id}, {"state": 1, "move_id": 1}, session=session)
        if held is not None and (held["state"] != STAGED or held["move_id"] != move_id):
            return False
        file_ids = [
            f["_id"] async for f in self.files.find({"metadata.dossier_id": dossier_id}, {"_id": 1}, session=session)
        ]
        await self.chunks.delete_many({"files_id": {"$in": file_ids}}, session=session)
        await self.files.delete_many({"_id": {"$in": file_ids}}, session=session)
        await self.pieces.delete_many({"dossier_id": dossier_id}, session=session)
        await self.dossiers.delete_one({"_id": dossier_id}, session=session)
        return True

    # ---- reading ----------------------------------------------------------------------------------

    async def archived_dossier(self, dossier_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        held = await self.dossiers.find_one({"_id": dossier_id, "state": ARCHIVED})
        if held is None:
            return None
        pieces = await self.pieces.find({"dossier_id": dossier_id}).sort("deposee_le", ASCENDING).to_list()
        return held, pieces

    async def archived_piece(self, piece_id: str) -> dict[str, Any] | None:
        return await self.pieces.find_one({"_id": piece_id, "archive.state": ARCHIVED})

    async def read_file(self, file_id: ObjectId) -> bytes:
        return b"".join([chunk async for chunk in self._chunks(file_id)])

    async def _chunks(self, file_id: ObjectId) -> AsyncIterator[bytes]:
        async for chunk in self.chunks.find({"files_id": file_id}).sort("n", ASCENDING):
            yield bytes(chunk["data"])

    async def counts(self) -> dict[str, int]:
        return {
            "dossiers": await self.dossiers.count_documents({"state": ARCHIVED}),
            "pieces": await self.pieces.count_documents({"archive.state": ARCHIVED}),
            "documents": await self.files.count_documents({}),
        }
