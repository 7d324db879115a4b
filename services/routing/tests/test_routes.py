"""Route table: one row per case."""

from datetime import date
from decimal import Decimal

import pytest

from contracts import PieceSnapshot, Role, Statut, utcnow
from routing.domain.routes import Route, RoutingError, decide

MOE, MOA, FOURNISSEUR = "44306184100047", "21750001600019", "73282932000074"


def piece(cadre: str, moe: str | None = MOE) -> PieceSnapshot:
    return PieceSnapshot(
        piece_id="p",
        dossier_id="d",
        numero="N",
        cadre=cadre,
        statut=Statut.DEPOSEE,
        date_piece=date(2026, 11, 1),
        devise="EUR",
        montant_ht=Decimal(100),
        montant_tva=Decimal(20),
        montant_ttc=Decimal(120),
        montant_a_payer=Decimal(120),
        fournisseur=FOURNISSEUR,
        moe=moe,
        moa=MOA,
        deposee_le=utcnow(),
    )


@pytest.mark.parametrize(
    "cadre, moe, expected",
    [
        ("A4", MOE, Route(Statut.MISE_A_DISPOSITION_MOE, Role.MOE, MOE)),
        ("A7", MOE, Route(Statut.MISE_A_DISPOSITION_MOE, Role.MOE, MOE)),
        ("A4", None, RoutingError("moe_absente", "")),
        ("A5", MOE, RoutingError("cadre_non_route", "")),
    ],
)
def test_routes(cadre, moe, expected):
    outcome = decide(piece(cadre, moe))
    if isinstance(expected, Route):
        assert outcome == expected
    else:
        assert isinstance(outcome, RoutingError) and outcome.code == expected.code and cadre in outcome.detail
