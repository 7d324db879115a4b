"""The audit log: every directory and token change, written in the transaction of the change
(docs/authority.md). Token values never appear in it; ``jeton_id`` names the token used."""

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts import utcnow
from deposit.adapters.bound import Bound
from readmodel.access import Principal


class AuditLog(Bound):
    def __init__(self, database: AsyncDatabase):
        self.collection = database["audit"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("at", DESCENDING)])
        await self.collection.create_index([("structure", ASCENDING), ("at", DESCENDING)])

    async def record(
        self,
        actor: Principal | str,
        action: str,
        cible: str | None,
        structure: str | None = None,
        via: str = "code",
        **details: Any,
    ) -> None:
        """``actor``: the caller (its token is named), or an account acting without a token: ``via``
        ``code`` (it redeemed a one-time code from its mailbox) or ``anonyme`` (a request with no proof)."""
        by_token = isinstance(actor, Principal)
        await self.collection.insert_one(
            {
                "at": utcnow(),
                "acteur": actor.email if by_token else actor,
                "jeton_id": actor.token_id if by_token else None,
                "via": "jeton" if by_token else via,
                "action": action,
                "cible": cible,
                "structure": structure,
                "details": {k: v for k, v in details.items() if v is not None},
            },
            session=self.session,
        )

    async def entries(self, structures: list[str] | None, skip: int, limit: int) -> list[dict[str, Any]]:
        """Newest first; ``structures`` None: every entry (the administrator)."""
        query: dict[str, Any] = {} if structures is None else {"structure": {"$in": structures}}
        cursor = self.collection.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)])
        return await cursor.skip(skip).limit(limit).to_list()
