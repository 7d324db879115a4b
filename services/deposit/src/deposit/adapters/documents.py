"""Pièce documents and attachments, stored in the GridFS layout (``documents.files`` and
``documents.chunks``) so any GridFS tool reads them.

pymongo's GridFS writer refuses transactions, so files are written here as plain documents that
follow the GridFS specification, in the same transaction as the pièce that references them: a
deposit stores its pièce and its documents together, or nothing. Reading goes through pymongo's
``AsyncGridFSBucket``.
"""

import asyncio
import hashlib
from typing import Any, BinaryIO

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow
from deposit.adapters.bound import Bound

BUCKET = "documents"
CHUNK_SIZE = 255 * 1024  # GridFS's default chunk size
CHUNKS_PER_WRITE = 4  # about 1 MiB in memory at a time, in one round trip


class DocumentStore(Bound):
    def __init__(self, database: AsyncDatabase):
        self.bucket = AsyncGridFSBucket(database, bucket_name=BUCKET, chunk_size_bytes=CHUNK_SIZE)
        self.files = database[f"{BUCKET}.files"]
        self.chunks = database[f"{BUCKET}.chunks"]

    async def ensure_indexes(self) -> None:
        # The indexes the GridFS specification asks for.
        await self.files.create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
        await self.chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)

    async def put(self, piece_id: str, filename: str, content_type: str, source: BinaryIO) -> dict[str, Any]:
        """Store the file ``source`` holds inside ``session``'s transaction, reading it from the start a few
        chunks at a time (never whole: a transaction retried by the driver reads it again); returns what
        the pièce records of it."""
        file_id = ObjectId()
        sha256, length, n = hashlib.sha256(), 0, 0
        await asyncio.to_thread(source.seek, 0)
        while block := await asyncio.to_thread(source.read, CHUNK_SIZE * CHUNKS_PER_WRITE):
            sha256.update(block)
            length += len(block)
            chunks = [
                {"files_id": file_id, "n": n + i, "data": block[offset : offset + CHUNK_SIZE]}
                for i, offset in enumerate(range(0, len(block), CHUNK_SIZE))
            ]
            n += len(chunks)
            await self.chunks.insert_many(chunks, session=self.session)
        digest = sha256.hexdigest()
        await self.files.insert_one(
            {
                "_id": file_id,
                "length": length,
                "chunkSize": CHUNK_SIZE,
                "uploadDate": utcnow(),
                "filename": filename,
                "metadata": {"piece_id": piece_id, "content_type": content_type, "sha256": digest},
            },
            session=self.session,
        )
        return {
            "file_id": file_id,
            "filename": filename,
            "content_type": content_type,
            "size": length,
            "sha256": digest,
        }

    async def delete(self, file_ids: list[ObjectId]) -> None:
        """Remove files (metadata and chunks) inside ``session``'s transaction."""
        await self.chunks.delete_many({"files_id": {"$in": file_ids}}, session=self.session)
        await self.files.delete_many({"_id": {"$in": file_ids}}, session=self.session)

    async def read(self, file_id: ObjectId) -> bytes:
        stream = await self.bucket.open_download_stream(file_id)
        return await stream.read()
