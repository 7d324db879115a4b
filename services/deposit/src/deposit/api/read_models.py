"""Shapes of the read side: synthèse, recherche, tableau de bord, liste fiscale."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from contracts import Cadre, ExpectedAction, Statut, TypeTva
from contracts.money import Montant
from readmodel.views import PieceItem, SearchItem


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XML = "xml"


class PendingItem(PieceItem):
    """A pièce of the synthèse: someone in one of the caller's structures must act on it."""

    attente: ExpectedAction = Field(description="Qui doit agir (rôle, SIRET) et quelle action est attendue")


class SearchPage(BaseModel):
    page: int = Field(description="Numéro de la page (à partir de 1)")
    taille: int = Field(description="Nombre maximal de résultats par page")
    total: int = Field(description="Nombre de pièces correspondant aux critères")
    pages: int = Field(description="Nombre de pages")
    resultats: list[SearchItem]


class CadreCounts(BaseModel):
    cadre: Cadre
    total: int
    statuts: dict[Statut, int] = Field(description="Nombre de pièces par statut")


class ServiceCountsView(BaseModel):
    code_service: str | None = Field(description="Code du service ; null : pièces sans service")
    libelle: str
    total: int
    cadres: list[CadreCounts]


class StructureCountsView(BaseModel):
    siret: str
    nom: str | None = Field(description="Nom de la structure dans l'annuaire")
    total: int
    services: list[ServiceCountsView]


class Dashboard(BaseModel):
    structures: list[StructureCountsView]


class FiscalLine(BaseModel):
    """A line of the liste fiscale: a pièce payable by the service financier."""

    numero: str
    date_piece: date
    cadre: Cadre
    fournisseur: str
    destinataire: str | None = None
    numero_marche: str | None = None
    numero_engagement: str | None = None
    devise: str
    type_tva: TypeTva
    montant_ht: Montant
    montant_tva: Montant
    montant_ttc: Montant
    montant_a_payer: Montant
    statut: Statut


class FiscalList(BaseModel):
    du: date | None = Field(description="Début de la période (date de pièce), si demandé")
    au: date | None = Field(description="Fin de la période (date de pièce, incluse), si demandée")
    total: int = Field(description="Nombre de lignes")
    montant_ht_total: Montant
    montant_tva_total: Montant
    montant_ttc_total: Montant
    lignes: list[FiscalLine]
