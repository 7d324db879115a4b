"""The business clock: the time deadlines and sweeps are decided by.

It is the system clock plus an offset, zero in production. Tests and catch-up runs move it forward
(``CLOCK_CONTROL=true`` exposes ``POST /admin/clock`` on the service) instead of waiting 15 or 30 days.
Leases, timeouts and log timestamps keep the real clock.
"""

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts import utcnow

# About 30 years either way: a timedelta and the dates it moves hold it (1e300 was a 500 OverflowError).
MAX_OFFSET_SECONDS = 1e9


class Clock:
    def __init__(self, offset: timedelta = timedelta(0)):
        self.offset = offset

    def now(self) -> datetime:
        return utcnow() + self.offset

    def set_offset(self, offset: timedelta) -> None:
        self.offset = offset


class ClockOffset(BaseModel):
    """The body of ``POST /admin/clock`` (deposit, routing, the archive's mover): a JSON number of seconds,
    nothing else (not ``true``, not ``"5"``)."""

    model_config = ConfigDict(extra="forbid")
    offset_seconds: Annotated[
        float,
        Field(
            strict=True,
            ge=-MAX_OFFSET_SECONDS,
            le=MAX_OFFSET_SECONDS,
            allow_inf_nan=False,
            description="How far ahead of the system clock business time runs, in seconds",
        ),
    ]


class ClockState(BaseModel):
    """What ``/admin/clock`` answers."""

    now: datetime
    offset_seconds: float

    @classmethod
    def of(cls, clock: Clock) -> "ClockState":
        return cls(now=clock.now(), offset_seconds=clock.offset.total_seconds())
