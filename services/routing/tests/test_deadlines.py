"""The legal deadlines, driven by an injected clock: a dossier's facts in, what falls due and when out."""

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from contracts import Cadre, CategorieEntite, Echeance, Statut
from routing.domain.deadlines import Deadline, Fact, Settlement, due_now, matters, next_due, plan

S, E = Statut, Echeance
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BCE = Decimal("2.15")
_ids = itertools.count()


def fact(piece: str, cadre: str, statut: Statut, day: float, montant: str = "12000.00") -> Fact:
    return Fact(f"e{next(_ids)}", piece, Cadre(cadre), statut, T0 + timedelta(days=day), Decimal(montant))


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


def due(facts: list[Fact], now: datetime, categorie: CategorieEntite | None = None, fired=()) -> list:
    return due_now(plan(facts, categorie, BCE), set(fired), now)


def echeances(items) -> set:
    return {getattr(i, "echeance", "PENALITES") for i in items}


# ---- the sous-traitant's 15 days --------------------------------------------------------------------


def test_the_titulaire_has_15_days_then_the_a10_is_forwarded():
    facts = [fact("a10", "A10", S.DEPOSEE, 0), fact("a10", "A10", S.A_VALIDER_1, 0)]
    assert due(facts, days(14.99)) == []
    [lapse] = due(facts, days(15))
    assert lapse.echeance is E.VALIDATION_HORS_DELAI and lapse.piece_id == "a10" and lapse.due_at == days(15)


@pytest.mark.parametrize("answer", [S.VALIDEE_1, S.REFUSEE_1])
def test_an_answer_within_15_days_stops_the_validation_clock(answer):
    facts = [fact("a10", "A10", S.A_VALIDER_1, 0), fact("a10", "A10", answer, 3)]
    assert E.VALIDATION_HORS_DELAI not in echeances(due(facts, days(30)))


def test_a_cotraitant_piece_has_no_tacit_validation():
    facts = [fact("a13", "A13", S.A_VALIDER_1, 0)]
    assert E.VALIDATION_HORS_DELAI not in echeances(due(facts, days(60)))


# ---- CCAG tacit procedures ---------------------------------------------------------------------------


def test_dg_not_notified_30_days_after_the_projet_de_decompte_final_reached_the_moe():
    facts = [fact("a7", "A7", S.MISE_A_DISPOSITION_MOE, 0)]
    assert E.DG_NON_NOTIFIE not in echeances(due(facts, days(29.9)))
    [reached] = [i for i in due(facts, days(30)) if i.echeance is E.DG_NON_NOTIFIE]
    assert reached.piece_id == "a7" and reached.due_at == days(30)


def test_the_dg_clock_runs_on_while_the_moe_and_the_moa_work_and_stops_at_the_dg():
    moe_moa = [
        fact("a7", "A7", S.MISE_A_DISPOSITION_MOE, 0),
        fact("a7", "A7", S.ASSOCIEE, 5),
        fact("a17", "A17", S.MISE_A_DISPOSITION_MOA, 5),
    ]
    assert E.DG_NON_NOTIFIE in echeances(due(moe_moa, days(30)))
    notified = [*moe_moa, fact("a17", "A17", S.ASSOCIEE, 20), fact("a20", "A20", S.MISE_A_DISPOSITION_FOURNISSEUR, 20)]
    assert E.DG_NON_NOTIFIE not in echeances(due(notified, days(30)))


def test_a22_unanswered_for_10_days_opens_a23():
    facts = [
        fact("a7", "A7", S.MISE_A_DISPOSITION_MOE, 0),
        fact("a7", "A7", S.REMPLACEE_PAR_A22, 31),
        fact("a22", "A22", S.MISE_A_DISPOSITION_MOA, 31),
    ]
    assert echeances(due(facts, days(40.9))) == set()
    [reached] = due(facts, days(41))
    assert reached.echeance is E.A22_SANS_REPONSE and reached.piece_id == "a22"
    answered = [*facts, fact("a22", "A22", S.ASSOCIEE, 35), fact("a20", "A20", S.MISE_A_DISPOSITION_FOURNISSEUR, 35)]
    assert E.A22_SANS_REPONSE not in echeances(due(answered, days(41)))


@pytest.mark.parametrize("cadre", ["A20", "A18"])
def test_dg_not_returned_signed_within_30_days_opens_a25_or_a24(cadre):
    facts = [fact("dg", cadre, S.MISE_A_DISPOSITION_FOURNISSEUR, 0)]
    assert E.DG_NON_RETOURNE not in echeances(due(facts, days(29)))
    assert E.DG_NON_RETOURNE in echeances(due(facts, days(30)))
    signed = [*facts, fact("dg", cadre, S.ASSOCIEE, 12), fact("a8", "A8", S.MISE_A_DISPOSITION_DESTINATAIRE, 12)]
    assert E.DG_NON_RETOURNE not in echeances(due(signed, days(30)))


# ---- délai global de paiement ------------------------------------------------------------------------

MONTHLY = [
    fact("a4", "A4", S.DEPOSEE, -0.01),
    fact("a4", "A4", S.MISE_A_DISPOSITION_MOE, 0),
    fact("a4", "A4", S.ASSOCIEE, 4),
    fact("a15", "A15", S.MISE_A_DISPOSITION_MOA, 4),
    fact("a15", "A15", S.ASSOCIEE, 9),
    fact("a19", "A19", S.MISE_A_DISPOSITION_DESTINATAIRE, 9),
]


@pytest.mark.parametrize(
    "categorie, delai",
    [
        (CategorieEntite.ETAT, 30),
        (CategorieEntite.COLLECTIVITE_TERRITORIALE, 30),
        (CategorieEntite.ETABLISSEMENT_SANTE, 50),
        (CategorieEntite.ENTREPRISE_PUBLIQUE, 60),
        (None, 30),
    ],
)
def test_the_payment_deadline_falls_due_by_category_from_the_moe_receipt(categorie, delai):
    assert E.DELAI_PAIEMENT_DEPASSE not in echeances(due(MONTHLY, days(delai) - timedelta(seconds=1), categorie))
    [late] = [i for i in due(MONTHLY, days(delai), categorie) if i.echeance is E.DELAI_PAIEMENT_DEPASSE]
    assert late.due_at == days(delai) and late.piece_id == "a19"
    assert late.penalites.indemnite_forfaitaire == Decimal("40.00") and late.penalites.taux == Decimal("10.15")


@pytest.mark.parametrize(
    "categorie, delai, paid_on_day, interets",
    [
        (CategorieEntite.COLLECTIVITE_TERRITORIALE, 30, 45, "50.05"),  # 12000 × 10.15 % × 15 / 365
        (CategorieEntite.ETABLISSEMENT_SANTE, 50, 60, "33.37"),  # 10 days
        (CategorieEntite.ENTREPRISE_PUBLIQUE, 60, 61, "3.34"),  # 1 day
    ],
)
def test_paid_late_the_interest_and_the_indemnity_are_settled(categorie, delai, paid_on_day, interets):
    paid = [*MONTHLY, fact("a19", "A19", S.MISE_EN_PAIEMENT, paid_on_day)]
    [settlement] = [i for i in due(paid, days(paid_on_day), categorie) if isinstance(i, Settlement)]
    assert settlement.piece_id == "a19" and settlement.due_at == days(delai) and settlement.paid_at == days(paid_on_day)
    assert settlement.penalites.jours_retard == paid_on_day - delai
    assert settlement.penalites.interets == Decimal(interets)
    assert settlement.penalites.total == Decimal(interets) + 40
    assert E.DELAI_PAIEMENT_DEPASSE not in echeances(due(paid, days(400), categorie))


def test_the_penalties_of_a_mise_en_paiement_hidden_from_the_fournisseur_say_so():
    hidden = replace(fact("a19", "A19", S.MISE_EN_PAIEMENT, 45), hidden_from_supplier=True)
    [settlement] = [i for i in due([*MONTHLY, hidden], days(45)) if isinstance(i, Settlement)]
    assert settlement.hidden_from_supplier


def test_paid_in_time_nothing_is_owed():
    paid = [*MONTHLY, fact("a19", "A19", S.MISE_EN_PAIEMENT, 29)]
    assert due(paid, days(400)) == []


def test_a_suspension_interrupts_the_delay_once_and_completion_starts_a_new_period():
    suspended = [*MONTHLY, fact("a19", "A19", S.SUSPENDUE, 12)]
    assert due(suspended, days(365)) == []  # the clock is stopped
    completed = [
        *suspended,
        fact("a19", "A19", S.COMPLETEE, 20),
        fact("a19", "A19", S.MISE_A_DISPOSITION_DESTINATAIRE, 20),
    ]
    [late] = due(completed, days(50))
    assert late.due_at == days(20 + 30)  # 18 days were left: a new 30-day period
    suspended_again = [*completed, fact("a19", "A19", S.SUSPENDUE, 25)]
    [still_late] = due(suspended_again, days(50))  # interrupted once only
    assert still_late.due_at == days(50)


@pytest.mark.parametrize("end", [S.REJETEE, S.REFUSEE_MOE])
def test_a_request_rejected_or_refused_has_no_payment_deadline(end):
    facts = [*MONTHLY, fact("a19", "A19", end, 10)]
    assert E.DELAI_PAIEMENT_DEPASSE not in echeances(due(facts, days(400)))


# ---- publishing once ---------------------------------------------------------------------------------


def test_what_was_published_is_not_due_again_and_the_next_due_date_moves_on():
    facts = [fact("a10", "A10", S.A_VALIDER_1, 0), fact("a7", "A7", S.MISE_A_DISPOSITION_MOE, 1)]
    planned = plan(facts, None, BCE)
    assert next_due(planned, set()) == days(15)
    fired = {i.key for i in due_now(planned, set(), days(20))}
    assert len(fired) == 1 and next_due(planned, fired) == days(31)
    fired |= {i.key for i in due_now(planned, fired, days(31))}
    assert len(fired) == 2 and due_now(planned, fired, days(90)) == [] and next_due(planned, fired) is None


def test_a_deposit_alone_moves_no_deadline_so_routing_does_not_store_it():
    without = [f for f in MONTHLY if matters(f.statut)]
    assert len(without) == len(MONTHLY) - 1
    assert plan(without, None, BCE) == plan(MONTHLY, None, BCE)
    assert all(matters(s) for s in Statut if s is not S.DEPOSEE)


def test_keys_are_stable_when_the_same_facts_are_planned_again():
    first = {i.key for i in plan(MONTHLY, None, BCE)}
    again = {i.key for i in plan(list(reversed(MONTHLY)), None, BCE)}
    assert first == again and all(isinstance(i, Deadline) for i in plan(MONTHLY, None, BCE))
