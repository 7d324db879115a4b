"""One-time codes (docs/authority.md): the only way to a token for an account one does not hold a token of.

A code is 192 random bits, e-mailed to the account's address (``travaux.comptes.codes``); only its
SHA-256 is stored, with its expiry. Redeeming deletes it in the same transaction as its effect (a new
token, an accepted invitation), so it works once. A TTL index drops expired ones.
"""

import secrets
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts import CodeMotif, utcnow
from deposit.adapters.bound import Bound
from deposit.adapters.directory import token_hash


def new_code() -> str:
    return secrets.token_urlsafe(24)


class OneTimeCodes(Bound):
    def __init__(self, database: AsyncDatabase):
        self.collection = database["account_codes"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("expires_at", expireAfterSeconds=0)
        await self.collection.create_index([("email", ASCENDING), ("created_at", DESCENDING)])

    async def issue(
        self,
        email: str,
        motif: CodeMotif,
        ttl: timedelta,
        invitation_id: str | None = None,
    ) -> tuple[str, datetime]:
        """A new code for ``email``; returns the secret (to e-mail, never stored) and its expiry."""
        code, now = new_code(), utcnow()
        expires_at = now + ttl
        await self.collection.insert_one(
            {
                "_id": token_hash(code),
                "email": email,
                "motif": motif.value,
                "invitation_id": invitation_id,
                "created_at": now,
                "expires_at": expires_at,
            },
            session=self.session,
        )
        return code, expires_at

    async def redeem(self, code: str) -> dict[str, Any] | None:
        """The code's record, deleted so it never works again; None if unknown, used or expired."""
        record = await self.collection.find_one_and_delete({"_id": token_hash(code)}, session=self.session)
        if record is None or record["expires_at"] <= utcnow():
            return None
        return record

    async def issued_since(self, email: str, since: datetime) -> int:
        return await self.collection.count_documents({"email": email, "created_at": {"$gte": since}})

    async def forget_invitation(self, invitation_id: str) -> None:
        await self.collection.delete_many({"invitation_id": invitation_id}, session=self.session)
