"""Which legal deadlines run on a dossier, and when each falls due. Pure.

Routing keeps, per dossier, every status change the deposit service announced (its *facts*); the
deadlines are a function of those facts, recomputed after each one. A deadline that the circuit
overtook (the titulaire answered, the décompte général was notified, the dossier was paid) simply
disappears from the plan: there is nothing to cancel. Routing publishes each planned deadline once
it falls due, and remembers its key so it is never published twice.

The deadlines (docs/domain.md §6):

- ``VALIDATION_HORS_DELAI``: an A10 waits for its titulaire (``A_VALIDER_1``) for 15 days; silence is a
  tacit acceptance and the deposit service forwards it to the MOE (loi 75-1334 art. 8).
- ``DG_NON_NOTIFIE``: the décompte général is not notified within 30 days of the projet de décompte
  final reaching the MOE: the fournisseur may file its own projet de décompte général, A22 (CCAG 12.4.4).
- ``A22_SANS_REPONSE``: 10 days after the A22 reached the MOA without a décompte général: the
  fournisseur may file the décompte général et définitif tacite, A23.
- ``DG_NON_RETOURNE``: the décompte général (A20, or A18 without a MOA) is not returned signed within
  30 days: the MOA may file A25 (the MOE A24) (CCAG 12.4.5).
- ``DELAI_PAIEMENT_DEPASSE``: the délai global de paiement ran out before « mise en paiement »
  (``contracts.payment_terms``); the penalties are published with it and, once the dossier is paid,
  their final amount (``Settlement``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from contracts import Cadre, CategorieEntite, Echeance, Penalites, Statut
from contracts.payment_terms import payment_deadline, penalties

C, S = Cadre, Statut


@dataclass(frozen=True, slots=True)
class Fact:
    """One status change of one pièce of the dossier, as announced on ``travaux.pieces.status``."""

    event_id: str
    piece_id: str
    cadre: Cadre
    statut: Statut
    at: datetime
    montant_a_payer: Decimal
    hidden_from_supplier: bool = False  # a mise en paiement its destinataire hid from the fournisseur


@dataclass(frozen=True, slots=True)
class Deadline:
    """A legal deadline to publish on ``travaux.deadlines`` once ``due_at`` is reached."""

    key: str  # stable: the same deadline planned again has the same key
    echeance: Echeance
    piece_id: str
    due_at: datetime
    detail: str
    penalites: Penalites | None = None

    @property
    def label(self) -> str:
        return self.echeance.value

    @property
    def publish_at(self) -> datetime:
        return self.due_at


@dataclass(frozen=True, slots=True)
class Settlement:
    """The dossier was put in payment after its due date: the penalties owed, to publish at once."""

    key: str
    piece_id: str
    due_at: datetime
    paid_at: datetime
    penalites: Penalites
    hidden_from_supplier: bool = False  # the mise en paiement was hidden from the fournisseur: so are these

    label = "PENALITES"

    @property
    def publish_at(self) -> datetime:
        return self.paid_at  # at once: the payment was late


Planned = Deadline | Settlement


@dataclass(frozen=True, slots=True)
class Watch:
    """While a pièce of one of ``cadres`` stays in ``statut``, ``echeance`` falls due ``days`` after it
    entered that status."""

    echeance: Echeance
    cadres: frozenset[Cadre]
    statut: Statut
    days: int
    detail: str


WATCHES: tuple[Watch, ...] = (
    Watch(
        Echeance.VALIDATION_HORS_DELAI,
        frozenset({C.A10}),
        S.A_VALIDER_1,
        15,
        "Le titulaire n'a ni validé ni refusé la demande de paiement du sous-traitant en 15 jours : "
        "acceptation tacite, transmission à la MOE.",
    ),
    Watch(
        Echeance.A22_SANS_REPONSE,
        frozenset({C.A22}),
        S.MISE_A_DISPOSITION_MOA,
        10,
        "Pas de décompte général 10 jours après le projet de décompte général du fournisseur (A22) : "
        "le décompte général et définitif tacite (A23) est possible.",
    ),
    Watch(
        Echeance.DG_NON_RETOURNE,
        frozenset({C.A20, C.A18}),
        S.MISE_A_DISPOSITION_FOURNISSEUR,
        30,
        "Le décompte général n'a pas été retourné signé en 30 jours : le décompte général et définitif "
        "tacite est possible (A25 par la MOA, A24 par la MOE sans MOA).",
    ),
)

# The décompte général must be notified within 30 days of the projet de décompte final reaching the MOE.
DG_NOTIFICATION_DAYS = 30
_PROJETS_DECOMPTE_FINAL = frozenset({C.A7, C.A14})
_DG_NOTIFIED_BY = frozenset({C.A18, C.A20, C.A22})  # a DG, or the fournisseur's own tacit PDG
_DG_NON_NOTIFIE_DETAIL = (
    "Le décompte général n'a pas été notifié dans les 30 jours suivant la réception du projet de "
    "décompte final par la MOE : le fournisseur peut déposer son projet de décompte général (A22)."
)
# Statuses that end the payment request without a payment: no délai runs any more.
_WITHOUT_PAYMENT = frozenset({S.REJETEE, S.REFUSEE_MOE})


def matters(statut: Statut) -> bool:
    """Whether a status change can move any deadline. ``DEPOSEE`` opens every pièce and is followed by its
    routing, which is what starts or watches anything: routing does not store it (one write less per pièce)."""
    return statut is not S.DEPOSEE


def plan(facts: list[Fact], categorie: CategorieEntite | None, taux_bce: Decimal) -> list[Planned]:
    """Every deadline running on the dossier now, and the penalties to settle, given all its facts."""
    ordered = sorted(facts, key=lambda f: f.at)
    latest: dict[str, Fact] = {}
    for fact in ordered:
        latest[fact.piece_id] = fact
    planned: list[Planned] = [*_watched(latest.values()), *_dg_notification(ordered)]
    planned += _payment(ordered, latest, categorie, taux_bce)
    return planned


def _watched(latest: Iterable[Fact]) -> list[Planned]:
    found: list[Planned] = []
    for fact in latest:
        for watch in WATCHES:
            if fact.cadre in watch.cadres and fact.statut is watch.statut:
                due = fact.at + timedelta(days=watch.days)
                found.append(
                    Deadline(f"{watch.echeance}:{fact.event_id}", watch.echeance, fact.piece_id, due, watch.detail)
                )
    return found


def _dg_notification(ordered: list[Fact]) -> list[Planned]:
    start = next(
        (f for f in ordered if f.cadre in _PROJETS_DECOMPTE_FINAL and f.statut is S.MISE_A_DISPOSITION_MOE), None
    )
    if start is None:
        return []
    if any(f.cadre in _DG_NOTIFIED_BY for f in ordered) or any(
        f.piece_id == start.piece_id and f.statut is S.REFUSEE_MOE for f in ordered
    ):
        return []
    due = start.at + timedelta(days=DG_NOTIFICATION_DAYS)
    key = f"{Echeance.DG_NON_NOTIFIE}:{start.event_id}"
    return [Deadline(key, Echeance.DG_NON_NOTIFIE, start.piece_id, due, _DG_NON_NOTIFIE_DETAIL)]


def _payment(
    ordered: list[Fact], latest: dict[str, Fact], categorie: CategorieEntite | None, taux_bce: Decimal
) -> list[Planned]:
    if not ordered or any(f.statut in _WITHOUT_PAYMENT for f in latest.values()):
        return []
    figures = payment_deadline([(f.cadre, f.statut, f.at) for f in ordered], categorie, ordered[-1].at.date())
    due_at = figures.due_at
    if due_at is None:  # not started, or interrupted and not completed yet
        return []
    key = f"{Echeance.DELAI_PAIEMENT_DEPASSE}:{figures.debut.isoformat()}"  # type: ignore[union-attr]
    paid = next((f for f in ordered if f.statut is S.MISE_EN_PAIEMENT), None)
    if paid is not None:
        if paid.at <= due_at:
            return []
        owed = penalties(paid.montant_a_payer, due_at.date(), paid.at.date(), taux_bce)
        return [Settlement(f"PENALITES:{key}", paid.piece_id, due_at, paid.at, owed, paid.hidden_from_supplier)]
    current = ordered[-1]
    detail = (
        f"Délai global de paiement de {figures.delai_jours} jours dépassé le {_day(due_at.date())} : intérêts "
        f"moratoires au taux de la BCE + 8 points et indemnité forfaitaire de 40 € dus au fournisseur."
    )
    owed_now = penalties(current.montant_a_payer, due_at.date(), due_at.date(), taux_bce)
    return [Deadline(key, Echeance.DELAI_PAIEMENT_DEPASSE, current.piece_id, due_at, detail, owed_now)]


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def next_due(planned: list[Planned], fired: set[str]) -> datetime | None:
    """When the next unpublished item falls due (a settlement is due at once), or None."""
    pending = [item.publish_at for item in planned if item.key not in fired]
    return min(pending, default=None)


def due_now(planned: list[Planned], fired: set[str], now: datetime) -> list[Planned]:
    """What to publish now: every unpublished item whose time has come."""
    return [
        item for item in planned if item.key not in fired and (isinstance(item, Settlement) or item.publish_at <= now)
    ]
