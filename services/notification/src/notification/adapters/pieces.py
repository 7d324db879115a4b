"""The latest snapshot of each pièce, from the status stream: what a deadline e-mail names and who it
reaches (deadline events carry only the pièce's id), and who may read a dossier's mails (its parties)."""

from typing import Self

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import PieceSnapshot
from readmodel.access import PieceParties


class PieceView:
    def __init__(self, database: AsyncDatabase, session: AsyncClientSession | None = None):
        self.database, self.session = database, session
        self.collection = database["pieces"]

    def within(self, session: AsyncClientSession) -> Self:
        """This view, its writes in ``session``'s transaction."""
        return type(self)(self.database, session)

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("snapshot.dossier_id", ASCENDING)], name="dossier")

    async def remember(self, piece: PieceSnapshot) -> None:
        await self.collection.replace_one(
            {"_id": piece.piece_id}, {"_id": piece.piece_id, "snapshot": piece.model_dump(mode="json")}, upsert=True
        )

    async def get(self, piece_id: str) -> PieceSnapshot | None:
        doc = await self.collection.find_one({"_id": piece_id})
        return None if doc is None else PieceSnapshot.model_validate(doc["snapshot"])

    async def parties_of_dossier(self, dossier_id: str) -> list[PieceParties]:
        """Each known pièce of the dossier: its parties and service (read through the ``dossier`` index)."""
        cursor = self.collection.find({"snapshot.dossier_id": dossier_id})
        return [PieceParties.of(PieceSnapshot.model_validate(doc["snapshot"])) async for doc in cursor]

    async def forget(self, piece_ids: list[str]) -> None:
        await self.collection.delete_many({"_id": {"$in": piece_ids}}, session=self.session)
