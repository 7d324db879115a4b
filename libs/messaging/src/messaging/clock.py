"""The business clock: the time deadlines and sweeps are decided by.

It is the system clock plus an offset, zero in production. Tests and catch-up runs move it forward
(``CLOCK_CONTROL=true`` exposes ``POST /admin/clock`` on the service) instead of waiting 15 or 30 days.
Leases, timeouts and log timestamps keep the real clock.
"""

from datetime import datetime, timedelta

from contracts import utcnow


class Clock:
    def __init__(self, offset: timedelta = timedelta(0)):
        self.offset = offset

    def now(self) -> datetime:
        return utcnow() + self.offset

    def set_offset(self, offset: timedelta) -> None:
        self.offset = offset
