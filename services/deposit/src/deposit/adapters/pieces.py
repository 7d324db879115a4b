"""MongoDB storage of pièces and dossiers (the deposit service is their single writer)."""

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import PieceSnapshot, Statut
from deposit.domain.piece import HistoryEntry, StatusChange

MONEY_FIELDS = ("montant_ht", "montant_tva", "montant_ttc", "montant_a_payer")


def _to_mongo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def _from_mongo(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


def _history_doc(entry: HistoryEntry) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, Statut) else v) for k, v in asdict(entry).items()}


class PieceStore:
    def __init__(self, database: AsyncDatabase):
        self.pieces = database["pieces"]
        self.dossiers = database["dossiers"]

    async def ensure_indexes(self) -> None:
        await self.pieces.create_index(
            [("fournisseur", ASCENDING), ("numero", ASCENDING)], unique=True, name="numero_par_fournisseur"
        )
        await self.pieces.create_index([("dossier_id", ASCENDING)])

    async def insert_new_dossier(
        self,
        snapshot: PieceSnapshot,
        document: dict[str, Any],
        history: list[HistoryEntry],
        session: AsyncClientSession,
    ) -> None:
        record = {k: _to_mongo(v) for k, v in snapshot.model_dump().items()}
        record["_id"] = record.pop("piece_id")
        record["document"] = document
        record["historique"] = [_history_doc(entry) for entry in history]
        record["updated_at"] = snapshot.deposee_le
        await self.pieces.insert_one(record, session=session)
        await self.dossiers.insert_one(
            {
                "_id": snapshot.dossier_id,
                "cadre_initial": snapshot.cadre.value,
                "fournisseur": snapshot.fournisseur,
                "moe": snapshot.moe,
                "moa": snapshot.moa,
                "piece_ids": [snapshot.piece_id],
                "ouvert_le": snapshot.deposee_le,
                "derniere_activite": snapshot.deposee_le,
            },
            session=session,
        )

    async def get(self, piece_id: str, session: AsyncClientSession | None = None) -> dict[str, Any] | None:
        record = await self.pieces.find_one({"_id": piece_id}, session=session)
        return None if record is None else {k: _from_mongo(v) for k, v in record.items()}

    async def get_dossier(self, dossier_id: str) -> dict[str, Any] | None:
        return await self.dossiers.find_one({"_id": dossier_id})

    async def pieces_of(self, dossier_id: str) -> list[dict[str, Any]]:
        cursor = self.pieces.find({"dossier_id": dossier_id}).sort("deposee_le", ASCENDING)
        return [{k: _from_mongo(v) for k, v in r.items()} async for r in cursor]

    async def apply(self, piece_id: str, dossier_id: str, change: StatusChange, session: AsyncClientSession) -> None:
        """Move the pièce to its new status, only if it still has the status the change was computed from."""
        result = await self.pieces.update_one(
            {"_id": piece_id, "statut": change.previous.value},
            {
                "$set": {"statut": change.new.value, "updated_at": change.entry.at},
                "$push": {"historique": _history_doc(change.entry)},
            },
            session=session,
        )
        if result.modified_count != 1:
            raise ConcurrentChange(piece_id)
        await self.dossiers.update_one(
            {"_id": dossier_id}, {"$max": {"derniere_activite": change.entry.at}}, session=session
        )


class ConcurrentChange(Exception):
    """The pièce changed between read and write; the caller retries with fresh state."""


def snapshot_of(record: dict[str, Any]) -> PieceSnapshot:
    data = dict(record)
    data["piece_id"] = data.pop("_id")
    return PieceSnapshot.model_validate(data)
