"""What an ``Idempotency-Key`` already on record means for a new request carrying it (pure).

A record is a *reservation* (an attempt is working: its owner and the end of its lease) until the
transaction that makes the change completes it with the answer (``status``, ``body``)."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Replay:
    """The first attempt finished: its answer is the answer."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class KeyReused:
    """The key was given to a different request."""


@dataclass(frozen=True)
class InFlight:
    """An attempt holds the key and its lease runs for ``remaining_seconds`` more: wait for its answer."""

    remaining_seconds: float


@dataclass(frozen=True)
class Abandoned:
    """The attempt holding the key let its lease run out (its process died): the key may be taken over."""


Decision = Replay | KeyReused | InFlight | Abandoned


def decide(record: dict[str, Any], request_hash: str, now: datetime) -> Decision:
    if record["request_hash"] != request_hash:
        return KeyReused()
    if "status" in record:
        return Replay(record["status"], record["body"])
    remaining = (record["lease_until"] - now).total_seconds()
    return InFlight(remaining) if remaining > 0 else Abandoned()


def retry_after(in_flight: InFlight, wait_seconds: float) -> int:
    """Seconds a client should wait before asking again: the lease's end if it is near, else one more wait."""
    return max(1, math.ceil(min(in_flight.remaining_seconds, wait_seconds)))
