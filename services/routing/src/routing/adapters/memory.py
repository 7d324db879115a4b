"""In-memory twins of routing's adapters, for the service tests (``services/routing/tests/service/``):
the same answers as the real ones (``routing.ports``), no broker, no database."""

import asyncio
import copy
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from contracts import CategorieEntite, Structure, utcnow
from readmodel.access import PieceParties
from routing.adapters.deadline_store import DossierClock, fired, recorded
from routing.domain.deadlines import Fact


class InMemoryDeadlineStore:
    """``routing.adapters.deadline_store.DeadlineStore`` on a dict of the same documents."""

    def __init__(self, taux_bce: Decimal):
        self.taux_bce = taux_bce
        self.docs: dict[str, dict[str, Any]] = {}

    async def ensure_indexes(self) -> None:
        pass

    async def ping(self) -> bool:
        return True

    async def record(
        self, dossier_id: str, fact: Fact, categorie: CategorieEntite | None, parties: PieceParties
    ) -> bool:
        doc = self.docs.get(dossier_id)
        fields = recorded(doc, dossier_id, fact, categorie, parties, self.taux_bce)
        if fields is None:
            return False
        self.docs[dossier_id] = {"_id": dossier_id, "fired": [], **(doc or {}), **fields}
        return True

    async def due(self, now: datetime, limit: int) -> list[str]:
        due = [doc for doc in self.docs.values() if doc.get("next_due") is not None and doc["next_due"] <= now]
        return [doc["_id"] for doc in sorted(due, key=lambda doc: doc["next_due"])[:limit]]

    async def lease(self, dossier_id: str, now: datetime, lease: timedelta) -> DossierClock | None:
        doc, real_now = self.docs.get(dossier_id), utcnow()
        if doc is None or doc.get("next_due") is None or doc["next_due"] > now:
            return None
        if doc.get("lease_until") is not None and doc["lease_until"] >= real_now:
            return None
        doc["lease_until"] = real_now + lease
        return DossierClock(copy.deepcopy(doc))

    async def mark_fired(self, dossier_id: str, keys: list[str]) -> None:
        doc = self.docs[dossier_id]
        doc.update(fired(doc, keys, self.taux_bce))

    async def forget(self, dossier_id: str) -> None:
        self.docs.pop(dossier_id, None)

    async def get(self, dossier_id: str) -> DossierClock | None:
        doc = self.docs.get(dossier_id)
        return None if doc is None else DossierClock(copy.deepcopy(doc))


class StaticDirectory:
    """``routing.directory.DirectoryView`` without the topic: ``learn`` what it would have read."""

    def __init__(self, *structures: Structure, loaded: bool = True):
        self.structures = {structure.siret: structure for structure in structures}
        self.loaded = asyncio.Event()
        self.changed = asyncio.Event()
        self.refreshed_at = 0.0
        self.refreshes: list[str] = []  # the reasons ``refresh`` was asked for
        if loaded:
            self.loaded.set()

    def __call__(self, siret: str) -> Structure | None:
        return self.structures.get(siret)

    def refresh(self, reason: str) -> None:
        self.refreshes.append(reason)

    def learn(self, structure: Structure) -> None:
        self.structures[structure.siret] = structure
        self.changed.set()


class RecordingPublisher:
    """Keeps what it is asked to publish: ``(topic, key, value)`` in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append((topic, key, value))
