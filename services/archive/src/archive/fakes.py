"""In-memory twins of the archive service's ports, for the service-layer tests: same answers as the
MongoDB adapters and the owners' HTTP endpoints, no network. ``fake_context()`` builds a whole
``ArchiveContext`` on them; ``FakeOwners`` plays deposit and notification (a dossier they hold, change,
remove)."""

import copy
import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from archive.adapters.activity import ACTIVE, MOVING, ActivityLog
from archive.adapters.sources import DossierUnknown
from archive.adapters.store import ARCHIVED, STAGED, CopyConflict, owner_record, staged_dossier, staged_piece
from archive.context import ArchiveContext, ArchiveTx
from archive.domain.verification import StoredCopy
from archive.move import Mover
from archive.settings import ArchiveSettings
from contracts import Envelope
from messaging.unit_of_work import MemoryStore, MemoryUnitOfWork
from readmodel.access import PieceParties
from readmodel.principals import Principals


class MemoryActivity(MemoryStore):
    """``archive.adapters.activity.ActivityLog`` in memory: one record per dossier."""

    parties = staticmethod(ActivityLog.parties)

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    async def touch(self, dossier_id: str, at: datetime, statut: str, piece_id: str, parties: PieceParties) -> None:
        record = self.records.setdefault(
            dossier_id, {"_id": dossier_id, "first_seen_at": at, "phase": ACTIVE, "last_activity_at": at, "seq": 0}
        )
        record["last_activity_at"] = max(record["last_activity_at"], at)
        record["seq"] += 1
        record.setdefault("pieces", {})[piece_id] = parties.to_doc()
        seen = record.setdefault("statuts_vus", [])
        if statut not in seen:
            seen.append(statut)

    async def get(self, dossier_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(dossier_id))

    async def stale(self, before: datetime, limit: int | None, batch_size: int) -> AsyncIterator[str]:
        found = sorted(
            (r for r in self.records.values() if r["phase"] == ACTIVE and r["last_activity_at"] < before),
            key=lambda r: r["last_activity_at"],
        )
        for record in found[:limit]:
            yield record["_id"]

    async def abandoned(self, now: datetime, limit: int) -> list[str]:
        moving = [r for r in self.records.values() if r["phase"] == MOVING and r["move"]["lease_until"] < now]
        return [r["_id"] for r in moving[:limit]]

    async def claim(
        self, dossier_id: str, before: datetime, move_id: str, now: datetime, lease_until: datetime
    ) -> dict[str, Any] | None:
        record = self.records.get(dossier_id)
        if record is None or record["phase"] != ACTIVE or not record["last_activity_at"] < before:
            return None
        move = {"id": move_id, "step": "claimed", "started_at": now, "lease_until": lease_until, "seq": record["seq"]}
        record.update(phase=MOVING, move=move)
        return dict(move)

    async def take_over(self, dossier_id: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        record = self.records.get(dossier_id)
        move = (record or {}).get("move")
        if record is None or record["phase"] != MOVING or move is None or not move["lease_until"] < now:
            return None
        move["lease_until"] = lease_until
        return dict(move)

    async def step(self, dossier_id: str, move_id: str, step: str, lease_until: datetime, **fields: Any) -> bool:
        record = self.records.get(dossier_id)
        if record is None or record["phase"] != MOVING or record.get("move", {}).get("id") != move_id:
            return False
        record["move"].update(step=step, lease_until=lease_until, **copy.deepcopy(fields))
        return True

    async def quiet_since_claim(self, dossier_id: str, move_id: str) -> bool:
        record = self.records.get(dossier_id)
        if record is None or record.get("move", {}).get("id") != move_id:
            return False
        return record.get("seq") == record["move"].get("seq")

    async def end_move(self, dossier_id: str, move_id: str, phase: str, **fields: Any) -> bool:
        record = self.records.get(dossier_id)
        if record is None or record.get("move", {}).get("id") != move_id:
            return False
        record.update(phase=phase, **copy.deepcopy(fields))
        del record["move"]
        return True

    def expire_leases(self) -> None:
        """Every move's lease ran out (its worker died, or waited too long for the owner's answer)."""
        for record in self.records.values():
            if "move" in record:
                record["move"]["lease_until"] = datetime.min.replace(tzinfo=record["move"]["lease_until"].tzinfo)


class MemoryCopies(MemoryStore):
    """``archive.adapters.store.ArchiveStore`` in memory: dossiers, pièces, files (meta and bytes)."""

    def __init__(self) -> None:
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.pieces: dict[str, dict[str, Any]] = {}
        self.files: dict[Any, dict[str, Any]] = {}
        self.contents: dict[Any, bytes] = {}
        self.writes = 0  # how many writes the move made (re-running a step rewrites the same)

    async def stage(
        self, bundle: dict[str, Any], notifications: list[dict[str, Any]], move_id: str, location: str, now: datetime
    ) -> None:
        dossier_id = bundle["dossier_id"]
        held = self.dossiers.get(dossier_id)
        if held is not None and held["state"] == ARCHIVED:
            raise CopyConflict(f"dossier {dossier_id} is already archived (move {held['move_id']})")
        piece_ids = {p["_id"] for p in bundle["pieces"]}
        for piece_id in [k for k, p in self.pieces.items() if p["dossier_id"] == dossier_id and k not in piece_ids]:
            del self.pieces[piece_id]
        for piece in bundle["pieces"]:
            self.pieces[piece["_id"]] = copy.deepcopy(staged_piece(piece, move_id))
        self.dossiers[dossier_id] = copy.deepcopy(staged_dossier(bundle, move_id, notifications, location, now))
        self.writes += 1

    async def put_file(self, dossier_id: str, document: dict[str, Any], content: bytes, now: datetime) -> None:
        file_id = document["file_id"]
        self.contents[file_id] = bytes(content)
        self.files[file_id] = {
            "_id": file_id,
            "length": len(content),
            "uploadDate": now,
            "filename": document["filename"],
            "metadata": {
                "dossier_id": dossier_id,
                "piece_id": document["piece_id"],
                "content_type": document["content_type"],
                "sha256": document["sha256"],
            },
        }
        self.writes += 1

    def _files_of(self, dossier_id: str) -> list[Any]:
        return [k for k, f in self.files.items() if f["metadata"]["dossier_id"] == dossier_id]

    async def read_back(self, dossier_id: str) -> StoredCopy:
        held = self.dossiers.get(dossier_id)
        pieces = sorted((p for p in self.pieces.values() if p["dossier_id"] == dossier_id), key=lambda p: p["_id"])
        documents = {}
        for file_id in self._files_of(dossier_id):
            content = self.contents.get(file_id, b"")
            documents[str(file_id)] = (len(content), hashlib.sha256(content).hexdigest())
        return StoredCopy(
            dossier=None if held is None else copy.deepcopy(held["record"]),
            pieces=[owner_record(copy.deepcopy(p)) for p in pieces],
            documents=documents,
            notifications=[] if held is None else copy.deepcopy(held["notifications"]),
        )

    async def record_counts(self, dossier_id: str, counts: dict[str, int]) -> None:
        if dossier_id in self.dossiers:
            self.dossiers[dossier_id]["counts"] = dict(counts)

    async def copy_of(self, dossier_id: str, move_id: str) -> dict[str, Any] | None:
        held = self.dossiers.get(dossier_id)
        return copy.deepcopy(held) if held is not None and held["move_id"] == move_id else None

    async def piece_ids(self, dossier_id: str) -> list[str]:
        return sorted(k for k, p in self.pieces.items() if p["dossier_id"] == dossier_id)

    async def publish(self, dossier_id: str, move_id: str, now: datetime) -> bool:
        held = self.dossiers.get(dossier_id)
        if held is None or held["move_id"] != move_id or held["state"] != STAGED:
            return False
        held.update(state=ARCHIVED, archived_at=now)
        for piece in self.pieces.values():
            if piece["dossier_id"] == dossier_id:
                piece["archive"].update(state=ARCHIVED, archived_at=now)
        return True

    async def drop(self, dossier_id: str, move_id: str) -> bool:
        held = self.dossiers.get(dossier_id)
        if held is not None and (held["state"] != STAGED or held["move_id"] != move_id):
            return False
        for file_id in self._files_of(dossier_id):
            del self.files[file_id]
            self.contents.pop(file_id, None)
        for piece_id in [k for k, p in self.pieces.items() if p["dossier_id"] == dossier_id]:
            del self.pieces[piece_id]
        self.dossiers.pop(dossier_id, None)
        return True

    async def archived_dossier(self, dossier_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        held = self.dossiers.get(dossier_id)
        if held is None or held["state"] != ARCHIVED:
            return None
        pieces = sorted(
            (p for p in self.pieces.values() if p["dossier_id"] == dossier_id), key=lambda p: p["deposee_le"]
        )
        return copy.deepcopy(held), copy.deepcopy(pieces)

    async def archived_piece(self, piece_id: str) -> dict[str, Any] | None:
        piece = self.pieces.get(piece_id)
        return copy.deepcopy(piece) if piece is not None and piece["archive"]["state"] == ARCHIVED else None

    async def read_file(self, file_id: Any) -> bytes:
        return self.contents.get(file_id, b"")

    async def counts(self) -> dict[str, int]:
        return {
            "dossiers": sum(d["state"] == ARCHIVED for d in self.dossiers.values()),
            "pieces": sum(p["archive"]["state"] == ARCHIVED for p in self.pieces.values()),
            "documents": len(self.files),
        }


class FakeOwners:
    """Deposit and notification as the archive reads them: ``hold(bundle, documents, mails)`` gives them a
    dossier; ``change(dossier_id)`` changes it (a new fingerprint); ``remove(dossier_id, move_id)`` removes it
    for a move (410 with that move); ``forget(dossier_id)`` (404). ``corrupt(file_id)`` serves other bytes."""

    def __init__(self) -> None:
        self.bundles: dict[str, dict[str, Any]] = {}
        self.mails: dict[str, list[dict[str, Any]]] = {}
        self.contents: dict[Any, bytes] = {}
        self.removed: dict[str, str | None] = {}
        self.reads = 0

    def hold(self, bundle: dict[str, Any], contents: dict[Any, bytes], mails: list[dict[str, Any]]) -> None:
        self.bundles[bundle["dossier_id"]] = copy.deepcopy(bundle)
        self.contents.update(contents)
        self.mails[bundle["dossier_id"]] = copy.deepcopy(mails)

    def change(self, dossier_id: str) -> None:
        bundle = self.bundles[dossier_id]
        bundle["fingerprint"] = hashlib.sha256(bundle["fingerprint"].encode()).hexdigest()
        bundle["dossier"]["modifie"] = True

    def remove(self, dossier_id: str, move_id: str | None = None) -> None:
        self.removed[dossier_id] = move_id

    def corrupt(self, file_id: Any) -> None:
        self.contents[file_id] = b"not what was deposited"

    async def bundle(self, dossier_id: str) -> dict[str, Any]:
        self.reads += 1
        if dossier_id in self.removed or dossier_id not in self.bundles:
            raise DossierUnknown(dossier_id, self.removed.get(dossier_id))
        return copy.deepcopy(self.bundles[dossier_id])

    async def notifications(self, dossier_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.mails.get(dossier_id, []))

    async def document(self, file_id: Any) -> bytes:
        return self.contents[file_id]

    async def close(self) -> None:
        return None


class Announcements:
    """What the mover published on ``travaux.dossiers.archived``, in order; ``fail`` makes the next publish
    raise (the broker away, or the process killed before it)."""

    def __init__(self) -> None:
        self.events: list[Envelope[Any]] = []
        self.failing = 0

    async def __call__(self, envelope: Envelope[Any]) -> None:
        if self.failing:
            self.failing -= 1
            raise ConnectionError("broker away")
        self.events.append(envelope)


def fake_context(settings: ArchiveSettings | None = None) -> ArchiveContext:
    """An ``ArchiveContext`` entirely on the fakes: no database, no broker, no owner over HTTP. Its mover
    publishes to an ``Announcements`` (``ctx.mover.publish``); its owners are a ``FakeOwners``."""
    settings = settings or ArchiveSettings()
    activity, store, owners = MemoryActivity(), MemoryCopies(), FakeOwners()
    uow = MemoryUnitOfWork([store, activity], lambda: ArchiveTx(store, activity))
    return ArchiveContext(
        settings,
        activity,
        store,
        owners,
        Mover(settings, activity, store, owners, Announcements()),
        uow,
        Principals("http://deposit.invalid", 0),
    )
