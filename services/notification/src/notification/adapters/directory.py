"""This service's own copy of the directory, fed by the compacted ``travaux.structures`` topic."""

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts import Structure


class StructureView:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["structures"]

    async def upsert(self, structure: Structure, at: datetime) -> bool:
        """Keep ``structure`` as announced at ``at``, unless a later announcement is kept already: a record
        read again (a re-delivery, a topic read again after the broker lost it) never brings an older state
        back. False when it was older."""
        document = {**structure.model_dump(), "announced_at": at}
        try:
            await self.collection.replace_one(
                {"_id": structure.siret, "$nor": [{"announced_at": {"$gt": at}}]}, document, upsert=True
            )
        except DuplicateKeyError:
            return False  # the record holds a later announcement
        return True

    async def many(self, sirets: set[str]) -> dict[str, Structure]:
        return {
            d["_id"]: Structure.model_validate(d) async for d in self.collection.find({"_id": {"$in": sorted(sirets)}})
        }
