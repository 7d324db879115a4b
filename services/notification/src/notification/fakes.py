"""In-memory twins of the notification service's ports, for the service-layer tests: same answers as the
MongoDB adapters, no network. ``fake_context()`` builds a whole ``NotificationContext`` on them.

The fakes' clock: ``MemoryDeliveries.later(seconds)`` moves it forward (a retry whose time came, a lease
that expired) without waiting."""

import copy
from datetime import datetime, timedelta
from typing import Any, Literal

from contracts import PieceSnapshot, Structure, utcnow
from messaging.unit_of_work import MemoryStore, MemoryUnitOfWork
from notification.adapters.deliveries import _MESSAGE, NORMAL, DeliveryLog
from notification.context import NotificationContext, NotificationTx
from notification.domain.messages import Message
from notification.ports import PermanentRejection, TemporaryFailure
from notification.settings import NotificationSettings
from readmodel.access import PieceParties
from readmodel.principals import Principals


class MemoryStructures(MemoryStore):
    def __init__(self) -> None:
        self.structures: dict[str, tuple[Structure, datetime]] = {}

    async def upsert(self, structure: Structure, at: datetime) -> bool:
        held = self.structures.get(structure.siret)
        if held is not None and held[1] > at:
            return False  # a later announcement is kept already
        self.structures[structure.siret] = (structure, at)
        return True

    async def many(self, sirets: set[str]) -> dict[str, Structure]:
        return {s: self.structures[s][0] for s in sorted(sirets) if s in self.structures}


class MemoryPieces(MemoryStore):
    def __init__(self) -> None:
        self.pieces: dict[str, PieceSnapshot] = {}

    async def remember(self, piece: PieceSnapshot) -> None:
        self.pieces[piece.piece_id] = piece

    async def get(self, piece_id: str) -> PieceSnapshot | None:
        return self.pieces.get(piece_id)

    async def parties_of_dossier(self, dossier_id: str) -> list[PieceParties]:
        return [PieceParties.of(p) for p in self.pieces.values() if p.dossier_id == dossier_id]

    async def forget(self, piece_ids: list[str]) -> None:
        for piece_id in piece_ids:
            self.pieces.pop(piece_id, None)


class MemoryDeliveries(MemoryStore):
    """The ledger, the queue and the dead mails, as ``notification.adapters.deliveries.DeliveryLog`` keeps them."""

    def __init__(self) -> None:
        self.ledger: dict[str, dict[str, Any]] = {}
        self.queued: dict[str, dict[str, Any]] = {}
        self.dead: dict[str, dict[str, Any]] = {}
        self.shift = timedelta(0)

    def later(self, seconds: float) -> None:
        """Time passes for the fakes: due retries and expired leases show."""
        self.shift += timedelta(seconds=seconds)

    def now(self) -> datetime:
        return utcnow() + self.shift

    key = staticmethod(DeliveryLog.key)

    async def queue(self, event_id: str, mails: list[tuple[str, dict[str, Any]]], priority: int = NORMAL) -> int:
        now = self.now()
        new = 0
        for email, fields in mails:
            key = self.key(event_id, email)
            if key in self.ledger:
                continue
            record = {"event_id": event_id, "email": email, "attempts": 0, "created_at": now, **fields}
            self.ledger[key] = {
                "_id": key,
                **{k: v for k, v in record.items() if k not in ("text", "html")},
                "state": "pending",
            }
            self.queued[key] = {"_id": key, **record, "priority": priority, "next_attempt_at": now, "lease_until": None}
            new += 1
        return new

    async def due(self, now: datetime, limit: int) -> list[str]:
        now += self.shift
        due = [e for e in self.queued.values() if e["next_attempt_at"] <= now]
        due.sort(key=lambda e: (e["priority"], e["next_attempt_at"]))
        return [e["_id"] for e in due[:limit]]

    async def lease(self, key: str, lease: timedelta) -> dict[str, Any] | None:
        now = self.now()
        entry = self.queued.get(key)
        if entry is None or entry["next_attempt_at"] > now:
            return None
        if entry["lease_until"] is not None and entry["lease_until"] >= now:
            return None
        entry["lease_until"] = now + lease
        return copy.deepcopy(entry)

    async def mark_sent(self, key: str, attempts: int) -> None:
        if key in self.ledger:
            self.ledger[key].update(state="sent", sent_at=self.now(), error=None, attempts=attempts)
        self.queued.pop(key, None)

    async def mark_dead(self, key: str, error: str, attempts: int, entry: dict[str, Any]) -> None:
        if key in self.ledger:
            self.ledger[key].update(state="dead", error=error, dead_at=self.now(), attempts=attempts)
        self.queued.pop(key, None)
        self.dead[key] = {"_id": key, **{k: entry.get(k) for k in _MESSAGE}}

    async def retry_later(self, key: str, error: str, at: datetime, attempts: int) -> None:
        if key in self.queued:
            self.queued[key].update(next_attempt_at=at, lease_until=None, attempts=attempts, error=error)
        if key in self.ledger:
            self.ledger[key].update(state="retrying", error=error, attempts=attempts, next_attempt_at=at)

    async def revive(self, key: str) -> bool:
        kept = self.dead.get(key)
        record = self.ledger.get(key)
        if record is None or record["state"] != "dead":
            return False
        record.update(state="pending", attempts=0)
        if kept is None:
            return False  # as the adapter: the ledger changed, nothing queued (its transaction commits)
        self.queued[key] = {**kept, "attempts": 0, "next_attempt_at": self.now(), "lease_until": None}
        del self.dead[key]
        return True

    async def get(self, key: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.ledger.get(key))

    async def records_of(self, dossier_id: str) -> list[dict[str, Any]]:
        records = [copy.deepcopy(r) for k, r in sorted(self.ledger.items()) if r.get("dossier_id") == dossier_id]
        for record in records:
            message = self.queued.get(record["_id"]) or self.dead.get(record["_id"])
            if message is not None:
                record["message"] = {k: message.get(k) for k in ("subject", "text", "html")}
        return records

    async def forget(self, keys: list[str]) -> int:
        for key in keys:
            self.queued.pop(key, None)
            self.dead.pop(key, None)
        return sum(self.ledger.pop(key, None) is not None for key in keys)

    async def of_dossier(self, dossier_id: str) -> list[dict[str, Any]]:
        records = [r for r in self.ledger.values() if r.get("dossier_id") == dossier_id]
        return [{k: v for k, v in r.items() if k != "_id"} for r in sorted(records, key=lambda r: r["created_at"])]


Failure = Literal["transient", "permanent"]


class FakeMailer:
    """Accepts every mail (``sent``: (to, message, message_id) in order) unless told to fail for an address:
    ``fail(to, "transient", times=2)`` answers a temporary failure twice, then accepts; ``"permanent"``, a 5xx."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Message, str]] = []
        self.failures: dict[str, list[Failure]] = {}
        self.attempts = 0

    def fail(self, to: str, kind: Failure, times: int = 1) -> None:
        self.failures.setdefault(to.lower(), []).extend([kind] * times)

    def to(self, address: str) -> list[Message]:
        return [message for to, message, _ in self.sent if to.lower() == address.lower()]

    async def send(self, to: str, message: Message, message_id: str) -> None:
        self.attempts += 1
        planned = self.failures.get(to.lower())
        if planned:
            kind = planned.pop(0)
            if kind == "permanent":
                raise PermanentRejection(f"550 5.1.1 <{to}>: mailbox unavailable")
            raise TemporaryFailure("421 4.3.2 service not available, closing channel")
        self.sent.append((to, message, message_id))

    async def close(self) -> None:
        return None


class FakeDeadLetters:
    """What the sender announced on ``travaux.pieces.status.dlt``: (key, summary, code, reason) in order."""

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any], str, str]] = []

    async def dead_mail(self, key: str, summary: dict[str, Any], code: str, reason: str) -> None:
        self.records.append((key, summary, code, reason))


def fake_context(settings: NotificationSettings | None = None) -> NotificationContext:
    """A ``NotificationContext`` entirely on the fakes: no database, no broker, no SMTP server."""
    deliveries, pieces = MemoryDeliveries(), MemoryPieces()
    uow = MemoryUnitOfWork([deliveries, pieces], lambda: NotificationTx(deliveries, pieces))
    return NotificationContext(
        settings or NotificationSettings(),
        MemoryStructures(),
        deliveries,
        pieces,
        FakeMailer(),
        FakeDeadLetters(),
        uow,
        Principals("http://deposit.invalid", 0),
    )
