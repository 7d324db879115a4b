"""Pièce documents and attachments, stored in the GridFS layout (``documents.files`` and
``documents.chunks``) so any GridFS tool reads them.

pymongo's GridFS writer refuses transactions, so files are written here as plain documents that
follow the GridFS specification, in the same transaction as the pièce that references them: a
deposit stores its pièce and its documents together, or nothing. Reading goes through pymongo's
``AsyncGridFSBucket``.
"""

import hashlib
from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow

BUCKET = "documents"
CHUNK_SIZE = 255 * 1024  # GridFS's default chunk size


class DocumentStore:
    def __init__(self, database: AsyncDatabase):
        self.bucket = AsyncGridFSBucket(database, bucket_name=BUCKET, chunk_size_bytes=CHUNK_SIZE)
        self.files = database[f"{BUCKET}.files"]
        self.chunks = database[f"{BUCKET}.chunks"]

    async def ensure_indexes(self) -> None:
        # The indexes the GridFS specification asks for.
        await self.files.create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
        await self.chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)

    async def put(
        self, piece_id: str, filename: str, content_type: str, content: bytes, session: AsyncClientSession
    ) -> dict[str, Any]:
        """Store one file inside ``session``'s transaction; returns what the pièce records of it."""
        file_id = ObjectId()
        sha256 = hashlib.sha256(content).hexdigest()
        chunks = [
            {"files_id": file_id, "n": n, "data": content[offset : offset + CHUNK_SIZE]}
            for n, offset in enumerate(range(0, len(content), CHUNK_SIZE))
        ]
        if chunks:
            await self.chunks.insert_many(chunks, session=session)
        await self.files.insert_one(
            {
                "_id": file_id,
                "length": len(content),
                "chunkSize": CHUNK_SIZE,
                "uploadDate": utcnow(),
                "filename": filename,
                "metadata": {"piece_id": piece_id, "content_type": content_type, "sha256": sha256},
            },
            session=session,
        )
        return {
            "file_id": file_id,
            "filename": filename,
            "content_type": content_type,
            "size": len(content),
            "sha256": sha256,
        }

    async def delete(self, file_ids: list[ObjectId], session: AsyncClientSession) -> None:
        """Remove files (metadata and chunks) inside ``session``'s transaction."""
        await self.chunks.delete_many({"files_id": {"$in": file_ids}}, session=session)
        await self.files.delete_many({"_id": {"$in": file_ids}}, session=session)

    async def read(self, file_id: ObjectId) -> bytes:
        stream = await self.bucket.open_download_stream(file_id)
        return await stream.read()
