"""The délai global de paiement and the late-payment penalties (CCP R2192-10 ff., L2192-13, D2192-35)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from contracts import Cadre, CategorieEntite, Statut
from contracts.payment_terms import payment_deadline, penalties

S = Statut
A4 = Cadre.A4
T0 = datetime(2026, 1, 10, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "categorie, days",
    [
        (CategorieEntite.ETAT, 30),
        (CategorieEntite.COLLECTIVITE_TERRITORIALE, 30),
        (CategorieEntite.ETABLISSEMENT_SANTE, 50),
        (CategorieEntite.ENTREPRISE_PUBLIQUE, 60),
        (None, 30),
    ],
)
def test_payment_deadline_by_category(categorie, days):
    history = [(A4, S.DEPOSEE, T0 - timedelta(minutes=1)), (A4, S.MISE_A_DISPOSITION_MOE, T0)]
    figures = payment_deadline(history, categorie, date(2026, 1, 20))
    assert figures.delai_jours == days and figures.debut == T0
    assert figures.echeance == (T0 + timedelta(days=days)).date()
    assert figures.jours_restants == days - 10 and not figures.en_retard


def test_payment_deadline_late_paid_and_interrupted_once():
    start = [(A4, S.MISE_A_DISPOSITION_MOE, T0)]
    late = payment_deadline(start, None, date(2026, 3, 1))
    assert late.en_retard and late.jours_restants < 0
    paid = payment_deadline([*start, (A4, S.MISE_EN_PAIEMENT, T0 + timedelta(days=20))], None, date(2026, 3, 1))
    assert not paid.en_retard and paid.jours_restants is None
    suspended = [*start, (A4, S.SUSPENDUE, T0 + timedelta(days=25))]
    waiting = payment_deadline(suspended, None, date(2026, 3, 1))
    assert waiting.interrompu_le == T0 + timedelta(days=25) and not waiting.en_retard and waiting.jours_restants is None
    completed_at = T0 + timedelta(days=40)
    resumed = payment_deadline([*suspended, (A4, S.COMPLETEE, completed_at)], None, date(2026, 3, 1))
    assert resumed.debut == completed_at and resumed.echeance == (completed_at + timedelta(days=30)).date()
    again = [*suspended, (A4, S.COMPLETEE, completed_at), (A4, S.SUSPENDUE, completed_at + timedelta(days=5))]
    assert payment_deadline(again, None, date(2026, 3, 1)).debut == completed_at  # interrupted once only


@pytest.mark.parametrize(
    "categorie, suspended_on_day, new_period",
    [
        (CategorieEntite.ETAT, 10, 30),  # 20 days left: a new 30-day period
        (CategorieEntite.ENTREPRISE_PUBLIQUE, 10, 50),  # 50 days left, more than 30: the balance
        (CategorieEntite.ENTREPRISE_PUBLIQUE, 45, 30),
        (CategorieEntite.ETABLISSEMENT_SANTE, 5, 45),
    ],
)
def test_after_an_interruption_the_new_period_is_30_days_or_the_balance_if_longer(
    categorie, suspended_on_day, new_period
):
    completed = T0 + timedelta(days=suspended_on_day + 7)
    history = [
        (A4, S.MISE_A_DISPOSITION_MOE, T0),
        (A4, S.SUSPENDUE, T0 + timedelta(days=suspended_on_day)),
        (A4, S.COMPLETEE, completed),
    ]
    figures = payment_deadline(history, categorie, date(2026, 1, 20))
    assert figures.periode_jours == new_period and figures.debut == completed
    assert figures.due_at == completed + timedelta(days=new_period)


def test_while_interrupted_the_clock_is_stopped():
    figures = payment_deadline(
        [(A4, S.MISE_A_DISPOSITION_MOE, T0), (A4, S.SUSPENDUE, T0 + timedelta(days=3))], None, date(2027, 1, 1)
    )
    assert figures.waiting and figures.due_at is None and not figures.en_retard


@pytest.mark.parametrize(
    "base, days_late, ecb, interets",
    [
        ("1200.50", 30, "2.15", "10.02"),  # 1200.50 × 10.15 % × 30 / 365 = 10.0151…
        ("100000.00", 1, "2.15", "27.81"),  # 100000 × 10.15 % / 365 = 27.808…
        ("100000.00", 365, "4.50", "12500.00"),
        ("5000.00", 0, "2.15", "0.00"),  # paid on the due date: nothing but the indemnity
    ],
)
def test_interest_is_the_ecb_rate_plus_8_points_pro_rata_temporis_plus_40_euros(base, days_late, ecb, interets):
    due = date(2026, 3, 1)
    figures = penalties(Decimal(base), due, due + timedelta(days=days_late), Decimal(ecb))
    assert figures.taux == Decimal(ecb) + 8 and figures.jours_retard == days_late
    assert figures.interets == Decimal(interets)
    assert figures.indemnite_forfaitaire == Decimal("40.00")
    assert figures.total == Decimal(interets) + Decimal("40.00")


def test_the_solde_runs_from_the_dgd_reaching_the_service_financier_not_from_the_projet_de_decompte_final():
    history = [
        (Cadre.A7, S.MISE_A_DISPOSITION_MOE, T0),
        (Cadre.A20, S.MISE_A_DISPOSITION_FOURNISSEUR, T0 + timedelta(days=40)),
        (Cadre.A8, S.MISE_A_DISPOSITION_DESTINATAIRE, T0 + timedelta(days=50)),
    ]
    assert payment_deadline(history[:2], None, date(2026, 3, 1)).debut is None
    assert payment_deadline(history, None, date(2026, 3, 1)).debut == T0 + timedelta(days=50)


@pytest.mark.parametrize(
    "cadre, statut", [(Cadre.A5, S.MISE_A_DISPOSITION_MOA), (Cadre.A6, S.MISE_A_DISPOSITION_DESTINATAIRE)]
)
def test_reduced_process_requests_start_at_their_first_receiver(cadre, statut):
    assert payment_deadline([(cadre, statut, T0)], None, date(2026, 1, 20)).debut == T0
