"""The pièce's life in this service: its statuses, their history, and what routing does to them.

Pure: takes and returns values; the adapters store them.
"""

from dataclasses import dataclass
from datetime import datetime

from contracts import Cadre, ExpectedAction, PieceRouted, Statut

# Statuses in which a pièce waits for routing's decision.
AWAITING_ROUTING = frozenset({Statut.DEPOSEE, Statut.COMPLETEE})

# What the recipient of a pièce is expected to do, per (cadre, status reached).
_CALLS_TO_ACTION: dict[tuple[Cadre, Statut], str] = {
    (Cadre.A4, Statut.MISE_A_DISPOSITION_MOE): (
        "Traiter le projet de décompte mensuel : déposer l'état d'acompte (A15) sur cette pièce, "
        "ou la refuser pour erreur de données d'acheminement."
    ),
}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    statut: Statut
    at: datetime
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    previous: Statut
    new: Statut
    entry: HistoryEntry
    expected_action: ExpectedAction | None


def initial_history(at: datetime) -> list[HistoryEntry]:
    return [HistoryEntry(Statut.DEPOSEE, at)]


def apply_routing(cadre: Cadre, current: Statut, decision: PieceRouted, at: datetime) -> StatusChange | None:
    """The status change routing's decision makes, or None when the pièce no longer waits for routing
    (a late or replayed decision must not move a pièce that has moved on)."""
    if current not in AWAITING_ROUTING:
        return None
    comment = decision.error_detail if decision.error_code else None
    expected = None
    if decision.recipient is not None:
        action = _CALLS_TO_ACTION.get((cadre, decision.statut))
        if action:
            expected = ExpectedAction(role=decision.recipient.role, siret=decision.recipient.siret, action=action)
    return StatusChange(current, decision.statut, HistoryEntry(decision.statut, at, comment), expected)
