"""Actors of a dossier de facturation de travaux (docs/domain.md §1.1)."""

from enum import StrEnum


class Role(StrEnum):
    """Who deposits a pièce, receives it, or is expected to act on it."""

    FOURNISSEUR = "FOURNISSEUR"  # titulaire or mandataire
    SOUS_TRAITANT = "SOUS_TRAITANT"
    COTRAITANT = "COTRAITANT"
    MOE = "MOE"
    MOA = "MOA"
    SERVICE_FINANCIER = "SERVICE_FINANCIER"  # the destinataire of payable pièces
    VALIDEUR = "VALIDEUR"  # titulaire (A10) or mandataire (A13/A14) validating first
    BENEFICIAIRE = "BENEFICIAIRE"  # TIC refund (A21), not a works actor
