"""The service tier: the move, the sweep and the handlers against the in-memory fakes (``archive.fakes``):
no database, no broker, no owner over HTTP; each test runs in milliseconds."""

import hashlib
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from archive.context import ArchiveContext
from archive.fakes import fake_context
from archive.settings import ArchiveSettings
from readmodel.access import PieceParties

F, MOE = "73282932000074", "44306184100047"
LONG_AGO = datetime(2023, 3, 1, tzinfo=UTC)  # stale on 2026-01-01 (two years without activity)
AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


class World:
    """A fake archive service and the owners of the dossiers it moves."""

    def __init__(self, ctx: ArchiveContext):
        self.ctx = ctx
        self.owners = ctx.sources
        self.activity = ctx.activity
        self.store = ctx.store
        self.announced = ctx.mover.publish

    async def stale_dossier(self, dossier_id: str, pieces: int = 2) -> dict:
        """A dossier its owners hold (pièces, a PDF each, one mail), last touched long ago."""
        records, documents, contents = [], [], {}
        for n in range(pieces):
            piece_id, file_id, pdf = f"{dossier_id}-p{n}", ObjectId(), f"%PDF-1.4 {dossier_id} {n}".encode()
            sha = hashlib.sha256(pdf).hexdigest()
            records.append(
                {"_id": piece_id, "dossier_id": dossier_id, "deposee_le": LONG_AGO, "statut": "DEPOSEE",
                 "historique": [{"statut": "DEPOSEE", "at": LONG_AGO}], "document": {"file_id": file_id, "sha256": sha}}
            )  # fmt: skip
            documents.append(
                {"file_id": file_id, "size": len(pdf), "sha256": sha, "filename": f"{piece_id}.pdf",
                 "piece_id": piece_id, "content_type": "application/pdf"}
            )  # fmt: skip
            contents[file_id] = pdf
            await self.activity.touch(
                dossier_id, LONG_AGO, "DEPOSEE", piece_id, PieceParties(frozenset({F, MOE}), None)
            )
        bundle = {
            "dossier_id": dossier_id,
            "fingerprint": f"fp-{dossier_id}",
            "dossier": {"_id": dossier_id, "piece_ids": [r["_id"] for r in records]},
            "pieces": records,
            "documents": documents,
        }
        self.owners.hold(bundle, contents, [{"_id": f"e-1:{dossier_id}@moe.example", "dossier_id": dossier_id}])
        return bundle

    def move_of(self, dossier_id: str) -> dict | None:
        return self.activity.records[dossier_id].get("move")

    def phase(self, dossier_id: str) -> str:
        return self.activity.records[dossier_id]["phase"]


@pytest.fixture
def settings() -> ArchiveSettings:
    return ArchiveSettings(archive_public_url="https://archive.example", archive_concurrency=2, archive_batch_size=5)


@pytest.fixture
def world(settings) -> World:
    return World(fake_context(settings))
