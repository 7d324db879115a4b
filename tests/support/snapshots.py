"""PieceSnapshot builders for the unit tests of pure logic (no I/O)."""

from datetime import date
from decimal import Decimal

from contracts import PieceSnapshot, Statut, utcnow

FOURNISSEUR, VALIDEUR = "73282932000074", "55210055400013"
MOE, MOA, DESTINATAIRE = "44306184100047", "21750001600019", "21310555400017"


def snapshot(cadre: str, statut: Statut = Statut.DEPOSEE, **overrides) -> PieceSnapshot:
    fields = dict(
        piece_id="p",
        dossier_id="d",
        numero="N-1",
        cadre=cadre,
        statut=statut,
        date_piece=date(2026, 11, 1),
        devise="EUR",
        montant_ht=Decimal("100.00"),
        montant_tva=Decimal("20.00"),
        montant_ttc=Decimal("120.00"),
        montant_a_payer=Decimal("120.00"),
        fournisseur=FOURNISSEUR,
        valideur=VALIDEUR,
        moe=MOE,
        moa=MOA,
        destinataire=DESTINATAIRE,
        deposee_le=utcnow(),
    )
    fields.update(overrides)
    return PieceSnapshot(**fields)
