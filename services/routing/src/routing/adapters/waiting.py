"""The submissions waiting for a structure the directory view lacks (deposit checked it exists: the view
is behind), in memory: one that waited here when the worker stopped comes again from deposit's
reconciler, with the same id."""

import time

from contracts import Envelope
from routing.metrics import WAITING


class WaitingPieces:
    def __init__(self) -> None:
        self._pieces: dict[str, Envelope] = {}  # piece_id → its submission
        self._since: dict[str, float] = {}  # piece_id → time.monotonic() when it began to wait

    def __len__(self) -> int:
        return len(self._pieces)

    def __contains__(self, piece_id: str) -> bool:
        return piece_id in self._pieces

    def envelopes(self) -> list[Envelope]:
        return list(self._pieces.values())

    def longest(self, now: float | None = None) -> float:
        """How long (seconds) the pièce waiting longest has waited; 0 when none waits."""
        now = time.monotonic() if now is None else now
        return max((now - since for since in self._since.values()), default=0.0)

    def wait(self, piece_id: str, envelope: Envelope) -> None:
        self._pieces[piece_id] = envelope
        self._since.setdefault(piece_id, time.monotonic())
        WAITING.set(len(self._pieces))

    def done(self, piece_id: str, envelope: Envelope) -> None:
        """That submission was decided (a newer one of the same pièce, waiting, stays)."""
        if self._pieces.get(piece_id) is envelope:
            del self._pieces[piece_id]
            self._since.pop(piece_id, None)
            WAITING.set(len(self._pieces))
