"""MongoDB storage of the deadlines' inputs: one document per dossier (routing is its single writer).

``{_id: dossier_id, v, facts: [...], pieces: {piece_id: {parties, code_service}}, categorie, fired: [keys],
next_due, lease_until}``

- ``facts``: every status change of the dossier's pièces (``routing.domain.deadlines.Fact``); a fact is
  stored once per event id, so a re-delivered status event changes nothing.
- ``pieces``: each pièce's parties and service as its latest status event showed them: who may read the
  dossier's deadlines (``readmodel.access.follows_dossier``).
- ``fired``: keys of the deadlines already published; ``next_due``: when the next one falls due,
  recomputed from the facts at each write and indexed, so the sweep reads only what is due.
- ``v``: a version for optimistic concurrency; ``lease_until``: a sweeper working on the dossier.

What a write changes is computed by ``recorded`` and ``fired``, shared with the in-memory twin of the
service tests (``routing.adapters.memory``).
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts import Cadre, CategorieEntite, Statut, utcnow
from messaging.mongo import ping
from readmodel.access import PieceParties
from routing.domain.deadlines import Fact, Planned, next_due, plan


def _fact_doc(fact: Fact) -> dict[str, Any]:
    return {
        "event_id": fact.event_id,
        "piece_id": fact.piece_id,
        "cadre": fact.cadre.value,
        "statut": fact.statut.value,
        "at": fact.at,
        "montant_a_payer": str(fact.montant_a_payer),
        **({"masquee": True} if fact.hidden_from_supplier else {}),
    }


def _fact(doc: dict[str, Any]) -> Fact:
    return Fact(
        doc["event_id"],
        doc["piece_id"],
        Cadre(doc["cadre"]),
        Statut(doc["statut"]),
        doc["at"],
        Decimal(doc["montant_a_payer"]),
        doc.get("masquee", False),
    )


class DossierClock:
    """What one dossier's deadlines are computed from, as stored."""

    def __init__(self, doc: dict[str, Any]):
        self.dossier_id: str = doc["_id"]
        self.version: int = doc.get("v", 0)
        self.facts = [_fact(f) for f in doc.get("facts", [])]
        self.categorie = CategorieEntite(doc["categorie"]) if doc.get("categorie") else None
        self.fired: set[str] = set(doc.get("fired", []))
        self.pieces = {piece_id: PieceParties.from_doc(p) for piece_id, p in (doc.get("pieces") or {}).items()}

    def plan(self, taux_bce: Decimal) -> list[Planned]:
        return plan(self.facts, self.categorie, taux_bce)


def recorded(
    doc: dict[str, Any] | None,
    dossier_id: str,
    fact: Fact,
    categorie: CategorieEntite | None,
    parties: PieceParties,
    taux_bce: Decimal,
) -> dict[str, Any] | None:
    """The fields of the dossier once ``fact`` is added (``fired`` aside), or None when that event was
    already recorded."""
    if doc is not None and any(f["event_id"] == fact.event_id for f in doc.get("facts", [])):
        return None
    state = DossierClock(doc or {"_id": dossier_id})
    state.facts.append(fact)
    state.categorie = categorie or state.categorie
    state.pieces[fact.piece_id] = parties
    return {
        "facts": [_fact_doc(f) for f in state.facts],
        "pieces": {piece_id: p.to_doc() for piece_id, p in state.pieces.items()},
        "categorie": state.categorie.value if state.categorie else None,
        "next_due": next_due(state.plan(taux_bce), state.fired),
        "v": state.version + 1,
    }


def fired(doc: dict[str, Any], keys: list[str], taux_bce: Decimal) -> dict[str, Any]:
    """The fields of the dossier once ``keys`` were published: re-planned, its lease released."""
    state = DossierClock(doc)
    state.fired.update(keys)
    return {
        "fired": sorted(state.fired),
        "next_due": next_due(state.plan(taux_bce), state.fired),
        "v": state.version + 1,
        "lease_until": None,
    }


class DeadlineStore:
    def __init__(self, database: AsyncDatabase, taux_bce: Decimal):
        self.dossiers = database["deadline_dossiers"]
        self.taux_bce = taux_bce

    async def ping(self) -> bool:
        return await ping(self.dossiers.database)

    async def ensure_indexes(self) -> None:
        await self.dossiers.create_index([("next_due", ASCENDING)], name="next_due")

    async def record(
        self, dossier_id: str, fact: Fact, categorie: CategorieEntite | None, parties: PieceParties
    ) -> bool:
        """Add a fact to its dossier (with its pièce's ``parties``) and re-plan; False when that event was
        already recorded."""
        while True:
            doc = await self.dossiers.find_one({"_id": dossier_id})
            fields = recorded(doc, dossier_id, fact, categorie, parties, self.taux_bce)
            if fields is None:
                return False
            if doc is None:
                try:
                    await self.dossiers.insert_one({"_id": dossier_id, **fields, "fired": []})
                    return True
                except DuplicateKeyError:
                    continue  # a concurrent first write: read it and try again
            result = await self.dossiers.update_one({"_id": dossier_id, "v": doc.get("v", 0)}, {"$set": fields})
            if result.modified_count == 1:
                return True

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of dossiers with something due at ``now``, the most overdue first (read through the index)."""
        cursor = self.dossiers.find({"next_due": {"$lte": now}}, {"_id": 1}).sort("next_due", ASCENDING).limit(limit)
        return [doc["_id"] async for doc in cursor]

    async def lease(self, dossier_id: str, now: datetime, lease: timedelta) -> DossierClock | None:
        """The dossier, leased to the caller if something is still due on it and no other sweeper holds it.
        The lease runs on the real clock, so moving the business clock never strands it."""
        real_now = utcnow()
        doc = await self.dossiers.find_one_and_update(
            {
                "_id": dossier_id,
                "next_due": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lt": real_now}}],
            },
            {"$set": {"lease_until": real_now + lease}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else DossierClock(doc)

    async def mark_fired(self, dossier_id: str, keys: list[str]) -> None:
        """Remember what was published, re-plan from the latest facts and release the lease."""
        while True:
            doc = await self.dossiers.find_one({"_id": dossier_id})
            result = await self.dossiers.update_one(
                {"_id": dossier_id, "v": doc.get("v", 0)},  # type: ignore[union-attr]
                {"$set": fired(doc, keys, self.taux_bce)},  # type: ignore[arg-type]
            )
            if result.modified_count == 1:
                return

    async def forget(self, dossier_id: str) -> None:
        """The dossier left the active store: its facts go (idempotent)."""
        await self.dossiers.delete_one({"_id": dossier_id})

    async def get(self, dossier_id: str) -> DossierClock | None:
        doc = await self.dossiers.find_one({"_id": dossier_id})
        return None if doc is None else DossierClock(doc)
