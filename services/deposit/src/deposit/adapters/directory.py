"""The directory of structures (owned here, announced on the compacted ``travaux.structures`` topic)."""

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import Structure


class DirectoryStore:
    def __init__(self, database: AsyncDatabase):
        self.structures = database["structures"]

    async def upsert(self, structure: Structure, session: AsyncClientSession) -> bool:
        """Store ``structure``; True when something changed (so an event is due)."""
        document = structure.model_dump()
        result = await self.structures.replace_one({"_id": structure.siret}, document, upsert=True, session=session)
        return result.upserted_id is not None or result.modified_count == 1

    async def get(self, siret: str) -> Structure | None:
        document = await self.structures.find_one({"_id": siret})
        return None if document is None else Structure.model_validate(document)

    async def all(self) -> list[Structure]:
        return [Structure.model_validate(d) async for d in self.structures.find({}).sort("_id", 1)]

    async def existing(self, sirets: set[str]) -> dict[str, dict[str, Any]]:
        return {d["_id"]: d async for d in self.structures.find({"_id": {"$in": list(sirets)}})}
