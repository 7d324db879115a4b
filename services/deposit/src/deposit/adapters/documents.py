"""Pièce documents and attachments in GridFS.

pymongo refuses GridFS inside a transaction, so a file is uploaded first, marked ``pending``, and
the pièce that references it is written in the transaction that follows. A file whose pièce never
came (process killed in between, refused deposit) stays invisible and is purged by
``purge_orphans``.
"""

import hashlib
from datetime import timedelta
from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow


class DocumentStore:
    def __init__(self, database: AsyncDatabase):
        self.bucket = AsyncGridFSBucket(database, bucket_name="documents")
        self.files = database["documents.files"]
        self.pieces = database["pieces"]

    async def put(self, piece_id: str, filename: str, content_type: str, content: bytes) -> dict[str, Any]:
        file_id = ObjectId()
        sha256 = hashlib.sha256(content).hexdigest()
        await self.bucket.upload_from_stream_with_id(
            file_id,
            filename,
            content,
            metadata={"piece_id": piece_id, "content_type": content_type, "sha256": sha256, "pending": True},
        )
        return {
            "file_id": file_id,
            "filename": filename,
            "content_type": content_type,
            "size": len(content),
            "sha256": sha256,
        }

    async def confirm(self, file_ids: list[ObjectId]) -> None:
        """Mark files as owned by a stored pièce (after its transaction committed)."""
        await self.files.update_many({"_id": {"$in": file_ids}}, {"$unset": {"metadata.pending": ""}})

    async def discard(self, file_ids: list[ObjectId]) -> None:
        for file_id in file_ids:
            try:
                await self.bucket.delete(file_id)
            except NoFile:
                pass

    async def read(self, file_id: ObjectId) -> bytes:
        stream = await self.bucket.open_download_stream(file_id)
        return await stream.read()

    async def purge_orphans(self, older_than: timedelta = timedelta(hours=1)) -> int:
        """Delete pending files older than ``older_than`` whose pièce does not exist."""
        purged = 0
        cursor = self.files.find({"metadata.pending": True, "uploadDate": {"$lt": utcnow() - older_than}})
        async for file in cursor:
            if await self.pieces.find_one({"_id": file["metadata"]["piece_id"]}, {"_id": 1}) is None:
                await self.discard([file["_id"]])
                purged += 1
            else:
                await self.confirm([file["_id"]])
        return purged
