"""``Idempotency-Key``: the first answer to a POST is stored with the change it made, in the same
transaction, so a retried request gets that answer again and changes nothing."""

import hashlib
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow

RETENTION_SECONDS = 7 * 24 * 3600


def fingerprint_of_digests(*digests: bytes) -> str:
    """What identifies a request's content: the SHA-256 of its parts' SHA-256 digests (each computed
    while its part was read, so no part is ever held whole)."""
    digest = hashlib.sha256()
    for part in digests:
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["idempotency_keys"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("created_at", expireAfterSeconds=RETENTION_SECONDS)

    async def find(self, scope: str, key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": f"{scope}:{key}"})

    async def record(
        self, scope: str, key: str, request_hash: str, status: int, body: dict[str, Any], session: AsyncClientSession
    ) -> None:
        await self.collection.insert_one(
            {
                "_id": f"{scope}:{key}",
                "request_hash": request_hash,
                "status": status,
                "body": body,
                "created_at": utcnow(),
            },
            session=session,
        )
