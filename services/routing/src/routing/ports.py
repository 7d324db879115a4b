"""What routing's handlers and sweep need of the world, as ports: the real adapters (``routing.adapters``,
``routing.directory``) and the in-memory ones of the service tests (``routing.adapters.memory``) both
fit them."""

import asyncio
from datetime import datetime, timedelta
from typing import Protocol

from contracts import CategorieEntite, Structure
from readmodel.access import PieceParties
from routing.adapters.deadline_store import DossierClock
from routing.domain.deadlines import Fact


class DeadlineStore(Protocol):
    """The deadlines' inputs, one record per dossier (``routing.adapters.deadline_store``)."""

    async def ensure_indexes(self) -> None: ...

    async def ping(self) -> bool: ...

    async def record(
        self, dossier_id: str, fact: Fact, categorie: CategorieEntite | None, parties: PieceParties
    ) -> bool: ...

    async def due(self, now: datetime, limit: int) -> list[str]: ...

    async def lease(self, dossier_id: str, now: datetime, lease: timedelta) -> DossierClock | None: ...

    async def mark_fired(self, dossier_id: str, keys: list[str]) -> None: ...

    async def forget(self, dossier_id: str) -> None: ...

    async def get(self, dossier_id: str) -> DossierClock | None: ...


class Directory(Protocol):
    """The structures as routing knows them (``routing.directory.DirectoryView``)."""

    loaded: asyncio.Event  # read up to where the topic ended when it started: decide nothing before
    changed: asyncio.Event  # set whenever it learnt something
    refreshed_at: float  # time.monotonic() when the topic was last read from its beginning

    def __call__(self, siret: str) -> Structure | None: ...

    def refresh(self, reason: str) -> None:
        """Read the topic again from its beginning, with a new consumer (what is known stays)."""


class Publisher(Protocol):
    """Publishes one event (routing has no outbox: ``routing.app`` says why that is enough)."""

    async def publish(self, topic: str, key: bytes, value: bytes) -> None: ...
