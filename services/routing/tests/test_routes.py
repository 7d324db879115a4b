"""Route table: one row per cadre and submission reason (structure parameters come with issue 4)."""

import pytest

from contracts import Role, Statut, SubmissionReason
from routing.domain.routes import Route, RoutingError, decide
from tests.support.snapshots import DESTINATAIRE, FOURNISSEUR, MOA, MOE, VALIDEUR, snapshot

S, R = Statut, SubmissionReason
TO_MOE = Route(S.MISE_A_DISPOSITION_MOE, Role.MOE, MOE)
TO_MOA = Route(S.MISE_A_DISPOSITION_MOA, Role.MOA, MOA)
TO_FOURNISSEUR = Route(S.MISE_A_DISPOSITION_FOURNISSEUR, Role.FOURNISSEUR, FOURNISSEUR)
TO_DESTINATAIRE = Route(S.MISE_A_DISPOSITION_DESTINATAIRE, Role.SERVICE_FINANCIER, DESTINATAIRE)
TO_VALIDEUR = Route(S.A_VALIDER_1, Role.VALIDEUR, VALIDEUR)

ROWS = [
    ("A4", R.DEPOT, TO_MOE),
    ("A7", R.DEPOT, TO_MOE),
    ("A10", R.DEPOT, TO_VALIDEUR),
    ("A13", R.DEPOT, TO_VALIDEUR),
    ("A14", R.DEPOT, TO_VALIDEUR),
    ("A10", R.VALIDATION, TO_MOE),
    ("A13", R.VALIDATION, TO_MOE),
    ("A14", R.VALIDATION, TO_MOE),
    *((c, R.DEPOT, TO_MOA) for c in ("A5", "A15", "A17", "A22")),
    *((c, R.DEPOT, TO_FOURNISSEUR) for c in ("A18", "A20")),
    *((c, R.DEPOT, TO_DESTINATAIRE) for c in ("A6", "A8", "A16", "A19", "A23", "A24", "A25")),
    ("A19", R.COMPLETION, TO_DESTINATAIRE),
    ("A15", R.RECYCLAGE, TO_MOA),
]


@pytest.mark.parametrize("cadre, reason, expected", ROWS, ids=lambda v: str(v))
def test_route_table(cadre, reason, expected):
    assert decide(snapshot(cadre), reason) == expected


@pytest.mark.parametrize(
    "cadre, missing, code",
    [("A4", "moe", "moe_absent"), ("A15", "moa", "moa_absent"), ("A19", "destinataire", "destinataire_absent"),
     ("A10", "valideur", "valideur_absent")],
)  # fmt: skip
def test_a_missing_recipient_is_a_routing_error_the_issuer_can_fix(cadre, missing, code):
    outcome = decide(snapshot(cadre, **{missing: None}))
    assert isinstance(outcome, RoutingError) and outcome.code == code and cadre in outcome.detail


@pytest.mark.parametrize("cadre", ["A1", "A9", "A11", "A21"])
def test_cadres_outside_the_circuit_have_no_route(cadre):
    outcome = decide(snapshot(cadre))
    assert isinstance(outcome, RoutingError) and outcome.code == "cadre_non_route"
