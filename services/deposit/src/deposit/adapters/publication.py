"""When the directory was last published whole, and under which id of the ``travaux.structures`` topic:
a topic with another id is one the broker lost (``deposit.reconciler``)."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from contracts import topics, utcnow


class DirectoryPublication:
    def __init__(self, database: AsyncDatabase):
        self.collection = database["directory_publication"]

    async def last(self) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": topics.STRUCTURES})

    async def record(self, topic_id: str | None, structures: int) -> None:
        await self.collection.replace_one(
            {"_id": topics.STRUCTURES},
            {"topic_id": topic_id, "at": utcnow(), "structures": structures},
            upsert=True,
        )
