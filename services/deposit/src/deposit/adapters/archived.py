"""What the active store keeps of a dossier moved to the archive: a tombstone per dossier naming its
pièces, who could read them, and where the archive keeps it. Enough to answer 410 with a link to the
parties (404 to anyone else, as for any pièce they cannot see) and to refuse a pièce filed after one of
them; nothing of the dossier's content stays here.
"""

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from deposit.adapters.bound import Bound


class ArchivedDossiers(Bound):
    def __init__(self, database: AsyncDatabase):
        self.collection = database["archived_dossiers"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("pieces.piece_id", ASCENDING)])

    async def record(
        self,
        dossier_id: str,
        move_id: str,
        pieces: list[dict[str, Any]],
        location: str,
        removed_at: datetime,
    ) -> None:
        await self.collection.insert_one(
            {
                "_id": dossier_id,
                "move_id": move_id,
                "location": location,
                "removed_at": removed_at,
                "pieces": [
                    {"piece_id": p["_id"], "parties": p["parties"], "code_service": p.get("code_service")}
                    for p in pieces
                ],
            },
            session=self.session,
        )

    async def of_dossier(self, dossier_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": dossier_id}, session=self.session)

    async def of_piece(self, piece_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The dossier's tombstone and the pièce's entry in it, if the pièce was archived."""
        tombstone = await self.collection.find_one({"pieces.piece_id": piece_id})
        if tombstone is None:
            return None
        return tombstone, next(p for p in tombstone["pieces"] if p["piece_id"] == piece_id)
