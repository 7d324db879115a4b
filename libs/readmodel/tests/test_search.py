"""The pièce search's pure parts: the Mongo filter of every criterion, and AND-ing more clauses."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from bson.decimal128 import Decimal128

from contracts import Cadre, Role, Statut
from readmodel.search import PARIS, ROLE_FIELDS, SearchCriteria, day_start, search_filter, with_clauses
from readmodel.visibility import statut_filter

ME, OTHER, THIRD = "73282932000074", "44306184100047", "21750001600019"


def test_an_empty_search_reads_only_the_callers_structures():
    assert search_filter(SearchCriteria(), {OTHER, ME}) == {"parties": {"$in": sorted([ME, OTHER])}}


def test_a_caller_without_structure_reads_nothing():
    assert search_filter(SearchCriteria(), []) == {"parties": {"$in": []}}


@pytest.mark.parametrize(
    "criteria, expected",
    [
        (SearchCriteria(cadres=(Cadre.A19, Cadre.A4)), {"cadre": {"$in": ["A19", "A4"]}}),
        (SearchCriteria(cadres=(Cadre.A4, Cadre.A4)), {"cadre": {"$in": ["A4"]}}),
        (SearchCriteria(statuts=(Statut.DEPOSEE,)), statut_filter(["DEPOSEE"], [ME, OTHER])),
        (
            SearchCriteria(statuts=(Statut.REJETEE, Statut.DEPOSEE)),
            statut_filter(["DEPOSEE", "REJETEE"], [ME, OTHER]),
        ),
        (SearchCriteria(numero="PDM-1"), {"numero": "PDM-1"}),
        (SearchCriteria(numero_marche="M-2026"), {"numero_marche": "M-2026"}),
        (SearchCriteria(code_service="VOIRIE"), {"code_service": "VOIRIE"}),
        (SearchCriteria(date_du=date(2026, 1, 1)), {"date_piece": {"$gte": "2026-01-01"}}),
        (SearchCriteria(date_au=date(2026, 1, 31)), {"date_piece": {"$lte": "2026-01-31"}}),
        (
            SearchCriteria(date_du=date(2026, 1, 1), date_au=date(2026, 1, 31)),
            {"date_piece": {"$gte": "2026-01-01", "$lte": "2026-01-31"}},
        ),
        (SearchCriteria(depose_du=date(2026, 1, 1)), {"deposee_le": {"$gte": day_start(date(2026, 1, 1))}}),
        (SearchCriteria(depose_au=date(2026, 1, 31)), {"deposee_le": {"$lt": day_start(date(2026, 2, 1))}}),
        (SearchCriteria(montant_min=Decimal("10.00")), {"montant_ttc": {"$gte": Decimal128("10.00")}}),
        (SearchCriteria(montant_min=Decimal("0")), {"montant_ttc": {"$gte": Decimal128("0")}}),  # 0 is a bound
        (SearchCriteria(montant_max=Decimal("99.99")), {"montant_ttc": {"$lte": Decimal128("99.99")}}),
        (
            SearchCriteria(montant_min=Decimal("10"), montant_max=Decimal("99.99")),
            {"montant_ttc": {"$gte": Decimal128("10"), "$lte": Decimal128("99.99")}},
        ),
        (SearchCriteria(role=Role.FOURNISSEUR), {"fournisseur": {"$in": sorted([ME, OTHER])}}),
        (SearchCriteria(role=Role.MOE), {"moe": {"$in": sorted([ME, OTHER])}}),
        (SearchCriteria(role=Role.MOA), {"moa": {"$in": sorted([ME, OTHER])}}),
        (SearchCriteria(role=Role.SERVICE_FINANCIER), {"destinataire": {"$in": sorted([ME, OTHER])}}),
        (SearchCriteria(role=Role.VALIDEUR), {"valideur": {"$in": sorted([ME, OTHER])}}),
    ],
)
def test_each_criterion_adds_its_clause(criteria, expected):
    query = search_filter(criteria, [ME, OTHER])

    assert query == {"parties": {"$in": sorted([ME, OTHER])}, **expected}


def test_every_role_a_search_filters_on_names_a_field_of_the_piece():
    assert set(ROLE_FIELDS.values()) == {"fournisseur", "valideur", "moe", "moa", "destinataire"}


def test_a_structure_must_be_a_party_and_then_plays_the_role():
    assert search_filter(SearchCriteria(structure=THIRD), [ME]) == {"parties": {"$in": [ME], "$all": [THIRD]}}
    assert search_filter(SearchCriteria(structure=THIRD, role=Role.FOURNISSEUR), [ME]) == {
        "parties": {"$in": [ME], "$all": [THIRD]},
        "fournisseur": THIRD,
    }


def test_without_a_structure_the_role_is_played_by_one_of_the_callers_structures():
    assert search_filter(SearchCriteria(role=Role.MOA), [OTHER, ME, ME]) == {
        "parties": {"$in": sorted([ME, OTHER])},
        "moa": {"$in": sorted([ME, OTHER])},
    }


def test_one_of_the_callers_own_structures_may_be_the_structure():
    assert search_filter(SearchCriteria(structure=ME, role=Role.MOE), [ME, OTHER]) == {
        "parties": {"$in": sorted([ME, OTHER]), "$all": [ME]},
        "moe": ME,
    }


def test_criteria_add_up():
    criteria = SearchCriteria(
        cadres=(Cadre.A4,),
        statuts=(Statut.DEPOSEE,),
        structure=THIRD,
        role=Role.VALIDEUR,
        code_service="VOIRIE",
        date_du=date(2026, 1, 1),
        montant_max=Decimal("5000"),
    )

    assert search_filter(criteria, [ME]) == {
        "parties": {"$in": [ME], "$all": [THIRD]},
        "cadre": {"$in": ["A4"]},
        **statut_filter(["DEPOSEE"], [ME]),
        "code_service": "VOIRIE",
        "valideur": THIRD,
        "date_piece": {"$gte": "2026-01-01"},
        "montant_ttc": {"$lte": Decimal128("5000")},
    }


def test_deposit_dates_are_whole_days_in_paris_time():
    query = search_filter(SearchCriteria(depose_du=date(2026, 7, 1), depose_au=date(2026, 7, 31)), [ME])

    low, high = query["deposee_le"]["$gte"], query["deposee_le"]["$lt"]
    assert low == datetime(2026, 7, 1, tzinfo=PARIS) and low.utcoffset() == timedelta(hours=2)
    assert high == datetime(2026, 8, 1, tzinfo=PARIS)  # the last day is included


def test_a_winter_day_starts_one_hour_ahead_of_utc():
    assert day_start(date(2026, 1, 15)).utcoffset() == timedelta(hours=1)


# ---- more clauses -----------------------------------------------------------------------------------


def test_no_extra_clause_leaves_the_filter_as_it_is():
    query = search_filter(SearchCriteria(), [ME])

    assert with_clauses(query, None) is query and with_clauses(query, {}) is query


def test_extra_clauses_on_other_fields_are_merged():
    query = search_filter(SearchCriteria(numero="PDM-1"), [ME])

    assert with_clauses(query, {"archive": True}) == {"parties": {"$in": [ME]}, "numero": "PDM-1", "archive": True}


def test_extra_clauses_on_a_field_the_criteria_constrain_are_anded_not_overwritten():
    query = search_filter(SearchCriteria(numero="PDM-1", statuts=(Statut.DEPOSEE,)), [ME])

    assert with_clauses(query, {"numero": {"$ne": "PDM-2"}}) == {"$and": [query, {"numero": {"$ne": "PDM-2"}}]}
    assert with_clauses(query, {"$or": [{"a": 1}]}) == {"$and": [query, {"$or": [{"a": 1}]}]}


def test_a_status_is_searched_as_the_caller_is_shown_it():
    """A mise en paiement hidden from the supplier side is found by the status shown (readmodel.visibility)."""
    query = search_filter(SearchCriteria(statuts=(Statut.MANDATEE,)), [ME])
    assert query["$or"][0] == {"statut": {"$in": ["MANDATEE"]}, "mise_en_paiement_masquee": {"$ne": True}}
    assert query["$or"][2]["vue_fournisseur.statut"] == {"$in": ["MANDATEE"]}
    assert search_filter(SearchCriteria(statuts=(Statut.MANDATEE,)), [ME], exact_statut=False) == {
        "parties": {"$in": [ME]},
        "$or": [{"statut": {"$in": ["MANDATEE"]}}, {"vue_fournisseur.statut": {"$in": ["MANDATEE"]}}],
    }
