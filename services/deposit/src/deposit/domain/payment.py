"""The délai global de paiement as the dossier shows it (domain-reference §1.7). Pure.

It starts when the dossier's first pièce is made available to the MOE (or, without a MOE in the
circuit, to the MOA or the service financier); it lasts 30, 50 or 60 days by the destinataire's
category; one suspension interrupts it once, and a new full period starts when the pièce is completed;
it ends at « mise en paiement ». Routing owns the legal timer and its late-payment interest (issue 4);
this view computes the same dates from the history, for people reading the dossier.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from contracts import CategorieEntite, Statut, delai_paiement_jours

_START = (Statut.MISE_A_DISPOSITION_MOE, Statut.MISE_A_DISPOSITION_MOA, Statut.MISE_A_DISPOSITION_DESTINATAIRE)


@dataclass(frozen=True, slots=True)
class PaymentDeadline:
    delai_jours: int
    debut: datetime | None
    echeance: date | None
    interrompu_le: datetime | None
    mis_en_paiement_le: datetime | None
    jours_restants: int | None  # None once paid or before it starts
    en_retard: bool


def payment_deadline(
    history: list[tuple[Statut, datetime]], categorie: CategorieEntite | None, today: date
) -> PaymentDeadline:
    """``history``: every (status, time) of every pièce of the dossier."""
    days = delai_paiement_jours(categorie)
    ordered = sorted(history, key=lambda h: h[1])
    start = next((at for statut, at in ordered if statut in _START), None)
    suspended = next((at for statut, at in ordered if statut is Statut.SUSPENDUE), None)
    if suspended is not None:
        resumed = next((at for statut, at in ordered if statut is Statut.COMPLETEE and at >= suspended), None)
        if resumed is not None:
            start = resumed  # the interruption happens once; a new full period runs from the completion
    paid = next((at for statut, at in ordered if statut is Statut.MISE_EN_PAIEMENT), None)
    due = (start + timedelta(days=days)).date() if start else None
    waiting = suspended is not None and start is not None and start < suspended
    remaining = None if (due is None or paid or waiting) else (due - today).days
    late = due is not None and ((paid.date() if paid else today) > due) and not waiting
    return PaymentDeadline(days, start, due, suspended, paid, remaining, late)
