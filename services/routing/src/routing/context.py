"""What routing's handlers and sweep work with: the settings, the business clock, the deadline store, the
directory view, the publisher and the pièces waiting for a structure. ``routing.bootstrap`` builds it from
the real adapters; the service tests build it from the in-memory ones."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from messaging.clock import Clock
from routing.adapters.waiting import WaitingPieces
from routing.ports import DeadlineStore, Directory, Publisher
from routing.settings import RoutingSettings

SOURCE = "/travaux/routing"


@dataclass
class RoutingContext:
    """What the handlers and the sweep work with (the service tests build it with in-memory adapters)."""

    settings: RoutingSettings
    directory: Directory
    publisher: Publisher
    open_deadlines: Callable[[], DeadlineStore]  # called once, on first use
    clock: Clock = field(default_factory=Clock)  # the business clock: when deadlines fall due
    waiting: WaitingPieces = field(default_factory=WaitingPieces)
    _deadlines: DeadlineStore | None = None

    @property
    def deadlines(self) -> DeadlineStore:
        """The store, created on first use: inside the worker's event loop, which pymongo's client binds to."""
        if self._deadlines is None:
            self._deadlines = self.open_deadlines()
        return self._deadlines

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.deadline_lease_seconds)
