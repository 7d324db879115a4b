"""The cadres de facturation A1 ... A25 (docs/domain.md §2), as one table.

Each cadre says who deposits it, in which phase of the marché, and whether it opens a dossier de
facturation (initial deposit) or is filed on a previous pièce of the dossier (pièce suivante).
"""

from dataclasses import dataclass
from enum import StrEnum

from contracts.roles import Role


class Phase(StrEnum):
    COURS = "COURS"  # en cours de marché
    FIN = "FIN"  # fin de marché
    COURS_ET_FIN = "COURS_ET_FIN"
    HORS_TRAVAUX = "HORS_TRAVAUX"  # not a works pièce
    RETIREE = "RETIREE"  # no longer in the AIFE nomenclature


class Position(StrEnum):
    INITIALE = "INITIALE"  # opens a new dossier
    SUIVANTE = "SUIVANTE"  # filed on a previous pièce of the dossier
    INITIALE_OU_SUIVANTE = "INITIALE_OU_SUIVANTE"  # A8: suivante nominally, initiale in the reduced process
    HORS_CIRCUIT = "HORS_CIRCUIT"  # not part of the works circuit


@dataclass(frozen=True, slots=True)
class CadreInfo:
    api_enum: str
    libelle: str
    deposant: Role
    phase: Phase
    position: Position

    @property
    def travaux(self) -> bool:
        return self.phase not in (Phase.HORS_TRAVAUX, Phase.RETIREE)

    @property
    def ouvre_dossier(self) -> bool:
        return self.position in (Position.INITIALE, Position.INITIALE_OU_SUIVANTE)

    @property
    def suit_une_piece(self) -> bool:
        return self.position in (Position.SUIVANTE, Position.INITIALE_OU_SUIVANTE)


class Cadre(StrEnum):
    """A cadre de facturation, by its short code (A1 ... A25)."""

    A1 = "A1"
    A2 = "A2"
    A3 = "A3"
    A4 = "A4"
    A5 = "A5"
    A6 = "A6"
    A7 = "A7"
    A8 = "A8"
    A9 = "A9"
    A10 = "A10"
    A11 = "A11"
    A12 = "A12"
    A13 = "A13"
    A14 = "A14"
    A15 = "A15"
    A16 = "A16"
    A17 = "A17"
    A18 = "A18"
    A19 = "A19"
    A20 = "A20"
    A21 = "A21"
    A22 = "A22"
    A23 = "A23"
    A24 = "A24"
    A25 = "A25"


_R, _P, _S = Role, Phase, Position

# fmt: off
_TABLE: dict[Cadre, CadreInfo] = {
    Cadre.A1: CadreInfo("A1_FACTURE_FOURNISSEUR", "Dépôt par un fournisseur d'une facture", _R.FOURNISSEUR, _P.HORS_TRAVAUX, _S.HORS_CIRCUIT),
    Cadre.A2: CadreInfo("A2_FACTURE_FOURNISSEUR_DEJA_PAYEE", "Dépôt par un fournisseur d'une facture déjà payée", _R.FOURNISSEUR, _P.HORS_TRAVAUX, _S.HORS_CIRCUIT),
    Cadre.A3: CadreInfo("A3_MEMOIRE_JUSTICE", "Dépôt par un fournisseur d'un mémoire de frais de justice", _R.FOURNISSEUR, _P.HORS_TRAVAUX, _S.HORS_CIRCUIT),
    Cadre.A4: CadreInfo("A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "Dépôt par un fournisseur d'un projet de décompte mensuel", _R.FOURNISSEUR, _P.COURS, _S.INITIALE),
    Cadre.A5: CadreInfo("A5_ETAT_ACOMPTE_FOURNISSEUR", "Dépôt par un fournisseur d'un état d'acompte", _R.FOURNISSEUR, _P.COURS, _S.INITIALE),
    Cadre.A6: CadreInfo("A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR", "Pièce de facturation de travaux transmise au service financier", _R.FOURNISSEUR, _P.COURS_ET_FIN, _S.INITIALE),
    Cadre.A7: CadreInfo("A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR", "Dépôt par un fournisseur d'un projet de décompte final", _R.FOURNISSEUR, _P.FIN, _S.INITIALE),
    Cadre.A8: CadreInfo("A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR", "Dépôt par un fournisseur d'un décompte général signé", _R.FOURNISSEUR, _P.FIN, _S.INITIALE_OU_SUIVANTE),
    Cadre.A9: CadreInfo("A9_FACTURE_SOUSTRAITANT", "Dépôt par un sous-traitant d'une demande de paiement", _R.SOUS_TRAITANT, _P.HORS_TRAVAUX, _S.HORS_CIRCUIT),
    Cadre.A10: CadreInfo("A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT", "Dépôt par un sous-traitant d'une demande de paiement dans le cadre des marchés de travaux", _R.SOUS_TRAITANT, _P.COURS, _S.INITIALE),
    Cadre.A11: CadreInfo("A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT", "Projet de décompte final d'un sous-traitant (retiré de la nomenclature AIFE)", _R.SOUS_TRAITANT, _P.RETIREE, _S.HORS_CIRCUIT),
    Cadre.A12: CadreInfo("A12_FACTURE_COTRAITANT", "Dépôt par un cotraitant d'une facture", _R.COTRAITANT, _P.HORS_TRAVAUX, _S.HORS_CIRCUIT),
    Cadre.A13: CadreInfo("A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT", "Dépôt par un cotraitant d'un projet de décompte mensuel", _R.COTRAITANT, _P.COURS, _S.INITIALE),
    Cadre.A14: CadreInfo("A14_PROJET_DECOMPTE_FINAL_COTRAITANT", "Dépôt par un cotraitant d'un projet de décompte final", _R.COTRAITANT, _P.FIN, _S.INITIALE),
    Cadre.A15: CadreInfo("A15_ETAT_ACOMPTE_MOE", "Dépôt par une MOE d'un état d'acompte", _R.MOE, _P.COURS, _S.SUIVANTE),
    Cadre.A16: CadreInfo("A16_ETAT_ACOMPTE_VALIDE_MOE", "Dépôt par une MOE d'un état d'acompte validé", _R.MOE, _P.COURS, _S.SUIVANTE),
    Cadre.A17: CadreInfo("A17_PROJET_DECOMPTE_GENERAL_MOE", "Dépôt par une MOE d'un projet de décompte général", _R.MOE, _P.FIN, _S.SUIVANTE),
    Cadre.A18: CadreInfo("A18_DECOMPTE_GENERAL_MOE", "Dépôt par une MOE d'un décompte général", _R.MOE, _P.FIN, _S.SUIVANTE),
    Cadre.A19: CadreInfo("A19_ETAT_ACOMPTE_VALIDE_MOA", "Dépôt par une MOA d'un état d'acompte validé", _R.MOA, _P.COURS, _S.SUIVANTE),
    Cadre.A20: CadreInfo("A20_DECOMPTE_GENERAL_MOA", "Dépôt par une MOA d'un décompte général", _R.MOA, _P.FIN, _S.SUIVANTE),
    Cadre.A21: CadreInfo("A21_DEMANDE_REMBOURSEMENT_TIC", "Dépôt par un bénéficiaire d'une demande de remboursement de la TIC", _R.BENEFICIAIRE, _P.HORS_TRAVAUX, _S.HORS_CIRCUIT),
    Cadre.A22: CadreInfo("A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE", "Dépôt par un fournisseur d'un projet de décompte général dans le cadre d'une procédure tacite", _R.FOURNISSEUR, _P.FIN, _S.SUIVANTE),
    Cadre.A23: CadreInfo("A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR", "Dépôt par un fournisseur d'un décompte général et définitif tacite", _R.FOURNISSEUR, _P.FIN, _S.SUIVANTE),
    Cadre.A24: CadreInfo("A24_DECOMPTE_GENERAL_DEFINITIF_TACITE_MOE", "Dépôt par une MOE d'un décompte général et définitif (procédure tacite)", _R.MOE, _P.FIN, _S.SUIVANTE),
    Cadre.A25: CadreInfo("A25_DECOMPTE_GENERAL_DEFINITIF_MOE_PROCEDURE_TACITE", "Dépôt par une MOA d'un décompte général et définitif tacite", _R.MOA, _P.FIN, _S.SUIVANTE),
}
# fmt: on


def info(cadre: Cadre | str) -> CadreInfo:
    """The table row of a cadre, given its short code."""
    return _TABLE[Cadre(cadre)]


def parse_cadre(value: str) -> Cadre:
    """Accepts the short code (``A4``) or the Chorus Pro API enum (``A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR``).

    Raises ``ValueError`` naming the value for anything else.
    """
    text = value.strip().upper()
    if text in _TABLE:
        return Cadre(text)
    for code, row in _TABLE.items():
        if row.api_enum == text:
            return Cadre(code)
    raise ValueError(f"cadre de facturation inconnu: {value!r}")
