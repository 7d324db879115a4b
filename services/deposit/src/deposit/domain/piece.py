"""A pièce's status changes and their history. Pure: takes and returns values; the adapters store them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import ExpectedAction, PieceRouted, PieceSnapshot, Statut
from deposit.domain.circuit import AWAITING_ROUTING, call_to_action, holder, party_field


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    statut: Statut
    at: datetime
    comment: str | None = None
    action: str | None = None
    motif: str | None = None
    par: str | None = None  # the user who acted (None: the platform)


@dataclass(frozen=True, slots=True)
class PieceRecord:
    """A stored pièce as the use cases and handlers read it: what it says, and the parties of its dossier
    (whoever may read it). The whole stored document (history, files, who must act) is for the views."""

    snapshot: PieceSnapshot
    parties: frozenset[str]


@dataclass(frozen=True, slots=True)
class StatusChange:
    previous: Statut
    new: Statut
    entry: HistoryEntry
    expected_action: ExpectedAction | None
    snapshot: PieceSnapshot  # the pièce after the change
    updates: dict[str, Any]  # fields the change sets besides the status (recycling)
    # a MISE_EN_PAIEMENT whose destinataire hides it from the fournisseur (readmodel.visibility)
    hidden_from_supplier: bool = False


def expected_action(piece: PieceSnapshot) -> ExpectedAction | None:
    """Who must act on the pièce in its status, and what they are expected to do."""
    found = holder(piece)
    text = call_to_action(piece)
    if found is None or found[1] is None or text is None:
        return None
    return ExpectedAction(role=found[0], siret=found[1], action=text)


def initial_history(at: datetime, par: str | None = None) -> list[HistoryEntry]:
    return [HistoryEntry(Statut.DEPOSEE, at, action="deposer", par=par)]


def change_status(
    piece: PieceSnapshot,
    new: Statut,
    at: datetime,
    *,
    comment: str | None = None,
    action: str | None = None,
    motif: str | None = None,
    par: str | None = None,
    updates: dict[str, Any] | None = None,
    hidden_from_supplier: bool = False,
) -> StatusChange:
    updates = dict(updates or {})
    snapshot = piece.model_copy(update={**updates, "statut": new})
    entry = HistoryEntry(new, at, comment, action, motif, par)
    hidden = hidden_from_supplier and new is Statut.MISE_EN_PAIEMENT
    return StatusChange(piece.statut, new, entry, expected_action(snapshot), snapshot, updates, hidden)


def apply_routing(piece: PieceSnapshot, decision: PieceRouted, at: datetime) -> StatusChange | None:
    """The status change routing's decision makes, or None when the pièce no longer waits for routing
    (a late or replayed decision must not move a pièce that has moved on)."""
    if piece.statut not in AWAITING_ROUTING:
        return None
    if decision.error_code:
        return change_status(
            piece, decision.statut, at, comment=decision.error_detail, motif=decision.error_code, action="acheminer"
        )
    updates = {}
    if decision.recipient is not None:
        field = party_field(decision.recipient.role)
        if getattr(piece, field) is None:  # routing chose it (a MOA « avec MOA » is its own destinataire)
            updates[field] = decision.recipient.siret
    return change_status(piece, decision.statut, at, action="acheminer", updates=updates)
