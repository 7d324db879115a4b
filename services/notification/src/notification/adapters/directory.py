"""This service's own copy of the directory, fed by the compacted ``travaux.structures`` topic."""

from pymongo.asynchronous.database import AsyncDatabase

from contracts import Structure


class StructureView:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["structures"]

    async def upsert(self, structure: Structure) -> None:
        await self.collection.replace_one({"_id": structure.siret}, structure.model_dump(), upsert=True)

    async def many(self, sirets: set[str]) -> dict[str, Structure]:
        return {
            d["_id"]: Structure.model_validate(d) async for d in self.collection.find({"_id": {"$in": sorted(sirets)}})
        }
