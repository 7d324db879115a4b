"""The submissions waiting for a structure the directory view lacks (deposit checked it exists: the view
is behind), in memory: one that waited here when the worker stopped comes again from deposit's
reconciler, with the same id."""

from contracts import Envelope
from routing.metrics import WAITING


class WaitingPieces:
    def __init__(self) -> None:
        self._pieces: dict[str, Envelope] = {}  # piece_id → its submission

    def __len__(self) -> int:
        return len(self._pieces)

    def __contains__(self, piece_id: str) -> bool:
        return piece_id in self._pieces

    def envelopes(self) -> list[Envelope]:
        return list(self._pieces.values())

    def wait(self, piece_id: str, envelope: Envelope) -> None:
        self._pieces[piece_id] = envelope
        WAITING.set(len(self._pieces))

    def done(self, piece_id: str, envelope: Envelope) -> None:
        """That submission was decided (a newer one of the same pièce, waiting, stays)."""
        if self._pieces.get(piece_id) is envelope:
            del self._pieces[piece_id]
            WAITING.set(len(self._pieces))
