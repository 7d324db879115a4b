"""The CloudEvents 1.0 envelope (structured JSON mode) that every message value carries.

``id`` is the idempotency key of every consumer; ``subject`` is the dossier id (or, for the
directory, the SIRET) and equals the Kafka key, so one dossier's events stay ordered.
"""

import uuid
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

D = TypeVar("D", bound=BaseModel)


class Envelope(BaseModel, Generic[D]):
    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique event id; consumers deduplicate on it")
    source: str = Field(description="The producing service, e.g. /travaux/deposit")
    type: str = Field(description="Versioned event type, e.g. fr.travaux.piece.submitted.v1")
    time: AwareDatetime = Field(default_factory=lambda: utcnow())
    subject: str = Field(description="Dossier id (pièce events) or SIRET (directory events); also the Kafka key")
    datacontenttype: Literal["application/json"] = "application/json"
    data: D

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @property
    def key(self) -> bytes:
        return self.subject.encode()


def new_event_id(namespace_event_id: uuid.UUID | None = None, purpose: str = "") -> uuid.UUID:
    """A fresh id, or a deterministic one derived from the event that caused it.

    Deterministic ids make a re-processed input produce the *same* output event, which
    downstream consumers then drop as a duplicate: at-least-once in, exactly-once in effect.
    """
    if namespace_event_id is None:
        return uuid.uuid4()
    return uuid.uuid5(namespace_event_id, purpose)


def utcnow() -> datetime:
    """Now, in UTC, to the millisecond: the precision MongoDB stores, so an event and the record it
    announces carry the very same instant."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


AnyEnvelope = Envelope[Any]
