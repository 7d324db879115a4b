"""The délai global de paiement and what paying late costs (docs/domain.md §6.1, §7). Pure.

One definition for the two services that need it: routing runs the legal timer from it, the deposit
service shows the same dates on the dossier.

- It starts when the payment request reaches its first receiver: the projet de décompte mensuel made
  available to the MOE (A4, or A10 / A13 once forwarded), the fournisseur's own état d'acompte to the
  MOA (A5), a pièce sent straight to the service financier (A6); for the solde, the décompte général
  et définitif reaching the service financier (A8, or A23 / A24 / A25 when tacit), décret 2013-269 art. 2.
- It lasts 30, 50 or 60 days by the destinataire's category (CCP R2192-10, R2192-11).
- One suspension interrupts it, once (R2192-27, -28): the clock stops, and on completion a new period
  starts, of 30 days, or of what was left if that is longer (R2192-29). Later suspensions do not
  interrupt it again.
- It ends at « mise en paiement ». Paid late, the buyer owes interest at the ECB main refinancing rate
  + 8 points, pro rata temporis, on the amount paid, and a €40 indemnity (L2192-13, R2192-31, D2192-35).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from contracts.cadres import Cadre
from contracts.directory import CategorieEntite, delai_paiement_jours
from contracts.events import Penalites
from contracts.statuses import Statut

_MOE, _MOA, _DESTINATAIRE = (
    Statut.MISE_A_DISPOSITION_MOE,
    Statut.MISE_A_DISPOSITION_MOA,
    Statut.MISE_A_DISPOSITION_DESTINATAIRE,
)
# The cadres whose arrival starts the délai, and the status that marks that arrival.
STARTS: dict[Cadre, Statut] = {
    Cadre.A4: _MOE,
    Cadre.A10: _MOE,
    Cadre.A13: _MOE,
    Cadre.A5: _MOA,
    Cadre.A6: _DESTINATAIRE,
    Cadre.A8: _DESTINATAIRE,
    Cadre.A23: _DESTINATAIRE,
    Cadre.A24: _DESTINATAIRE,
    Cadre.A25: _DESTINATAIRE,
}
PAID = Statut.MISE_EN_PAIEMENT
INTEREST_POINTS = Decimal("8")  # added to the ECB rate (R2192-31)
INDEMNITE_FORFAITAIRE = Decimal("40.00")  # D2192-35
CENT = Decimal("0.01")
NOUVEAU_DELAI_JOURS = 30  # the new period after an interruption, unless more was left (R2192-29)


@dataclass(frozen=True, slots=True)
class PaymentDeadline:
    delai_jours: int
    periode_jours: int  # the running period: delai_jours; after an interruption, 30 or what was left
    debut: datetime | None  # start of the running period (the completion, after an interruption)
    echeance: date | None
    interrompu_le: datetime | None
    mis_en_paiement_le: datetime | None
    jours_restants: int | None  # None once paid, before it starts, or while interrupted
    en_retard: bool

    @property
    def due_at(self) -> datetime | None:
        """The instant the délai runs out, or None when it is not running (not started, interrupted)."""
        if self.debut is None or self.waiting:
            return None
        return self.debut + timedelta(days=self.periode_jours)

    @property
    def waiting(self) -> bool:
        """Interrupted by a suspension and not completed yet: the clock is stopped."""
        return self.interrompu_le is not None and self.debut is not None and self.debut < self.interrompu_le


def payment_deadline(
    history: list[tuple[Cadre, Statut, datetime]], categorie: CategorieEntite | None, today: date
) -> PaymentDeadline:
    """``history``: every (cadre, status, time) of every pièce of the dossier, in any order."""
    days = delai_paiement_jours(categorie)
    ordered = sorted(((statut, at, cadre) for cadre, statut, at in history), key=lambda h: h[1])
    start = next((at for statut, at, cadre in ordered if STARTS.get(cadre) is statut), None)
    suspended = next((at for statut, at, _ in ordered if statut is Statut.SUSPENDUE and start and at >= start), None)
    period = days
    if suspended is not None:
        resumed = next((at for statut, at, _ in ordered if statut is Statut.COMPLETEE and at >= suspended), None)
        if resumed is not None:
            left = (start + timedelta(days=days)) - suspended  # type: ignore[operator]
            period = max(NOUVEAU_DELAI_JOURS, left.days + (1 if left.seconds or left.microseconds else 0))
            start = resumed  # interrupted once: a new period runs from the completion
    paid = next((at for statut, at, _ in ordered if statut is PAID), None)
    due = (start + timedelta(days=period)).date() if start else None
    waiting = suspended is not None and start is not None and start < suspended
    remaining = None if (due is None or paid or waiting) else (due - today).days
    late = due is not None and ((paid.date() if paid else today) > due) and not waiting
    return PaymentDeadline(days, period, start, due, suspended, paid, remaining, late)


def penalties(base: Decimal, due: date, paid: date, taux_bce: Decimal) -> Penalites:
    """Interest and indemnity owed when ``base`` is paid on ``paid`` for a délai that ran out on ``due``."""
    days = max(0, (paid - due).days)
    taux = taux_bce + INTEREST_POINTS
    interets = (base * taux / Decimal(100) * days / Decimal(365)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Penalites(
        base=base,
        taux_bce=taux_bce,
        taux=taux,
        jours_retard=days,
        interets=interets,
        indemnite_forfaitaire=INDEMNITE_FORFAITAIRE,
        total=interets + INDEMNITE_FORFAITAIRE,
    )
