"""Every event type: its payload model, its CloudEvents ``type`` string and its topic.

Changes to a published type are additive only; a breaking change is a new ``.vN`` type.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from contracts import topics
from contracts.accounts import AccountCodeIssued
from contracts.archiving import DossierArchived, DossierKept, DossierRemoved
from contracts.envelope import Envelope
from contracts.events import (
    DeadlineReached,
    LatePaymentPenalties,
    PieceRouted,
    PieceStatusChanged,
    PieceSubmitted,
    StructureUpserted,
)


@dataclass(frozen=True, slots=True)
class EventSpec:
    type: str
    payload: type[BaseModel]
    topic: str


CATALOG: tuple[EventSpec, ...] = (
    EventSpec("fr.travaux.piece.submitted.v1", PieceSubmitted, topics.PIECES_SUBMITTED),
    EventSpec("fr.travaux.piece.routed.v1", PieceRouted, topics.PIECES_ROUTED),
    EventSpec("fr.travaux.piece.status-changed.v1", PieceStatusChanged, topics.PIECES_STATUS),
    EventSpec("fr.travaux.structure.upserted.v1", StructureUpserted, topics.STRUCTURES),
    EventSpec("fr.travaux.deadline.reached.v1", DeadlineReached, topics.DEADLINES),
    EventSpec("fr.travaux.payment.penalties.v1", LatePaymentPenalties, topics.DEADLINES),
    EventSpec("fr.travaux.dossier.archived.v1", DossierArchived, topics.DOSSIERS_ARCHIVED),
    EventSpec("fr.travaux.dossier.removed.v1", DossierRemoved, topics.DOSSIERS_REMOVED),
    EventSpec("fr.travaux.dossier.kept.v1", DossierKept, topics.DOSSIERS_REMOVED),
    EventSpec("fr.travaux.account.code-issued.v1", AccountCodeIssued, topics.ACCOUNT_CODES),
)

_BY_TYPE = {spec.type: spec for spec in CATALOG}
_BY_PAYLOAD = {spec.payload: spec for spec in CATALOG}


def spec_of(payload: type[BaseModel] | BaseModel) -> EventSpec:
    cls = payload if isinstance(payload, type) else type(payload)
    return _BY_PAYLOAD[cls]


def make_event(data: BaseModel, *, source: str, subject: str, event_id: uuid.UUID | None = None) -> Envelope[Any]:
    """Wrap a payload in its envelope, with the type its catalog entry gives."""
    extra = {"id": event_id} if event_id is not None else {}
    return Envelope[type(data)](source=source, type=spec_of(data).type, subject=subject, data=data, **extra)


class ContractError(ValueError):
    """A message that does not honour the contracts; ``code`` is stable, ``reason`` is for people."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def parse_event(raw: bytes | None) -> Envelope[Any]:
    """Parse a message value into its typed envelope, or raise ``ContractError`` saying why not."""
    if raw is None:
        raise ContractError("empty_value", "message has no value (tombstone or empty record)")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractError("invalid_json", f"value is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ContractError("invalid_envelope", "value is not a JSON object")
    spec = _BY_TYPE.get(document.get("type"))  # type: ignore[arg-type]
    if spec is None:
        raise ContractError("unknown_type", f"unknown event type {document.get('type')!r}")
    try:
        return Envelope[spec.payload].model_validate(document)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise ContractError("invalid_event", f"{spec.type} does not validate: {details}") from None
