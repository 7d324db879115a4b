"""The HTTP resources' shapes: what a caller sends and what it reads back."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts import Cadre, FormatDepot, ModeReglement, PieceSnapshot, Siret, Statut, TypeTva
from contracts.money import Montant


class PieceInput(BaseModel):
    """The ``piece`` JSON part of ``POST /v1/pieces``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cadre: str = Field(description="Cadre de facturation: short code (A4) or Chorus Pro enum", examples=["A4"])
    numero: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")
    date_piece: date
    devise: str = Field(default="EUR", description="ISO 4217 currency code", examples=["EUR"])
    type_tva: TypeTva = Field(default=TypeTva.TVA_SUR_ENCAISSEMENTS, description="SANS_TVA requires montant_tva = 0")
    mode_reglement: ModeReglement = ModeReglement.VIREMENT
    format_depot: FormatDepot = FormatDepot.PDF_NON_SIGNE
    montant_ht: Montant
    montant_tva: Montant
    montant_ttc: Montant
    montant_a_payer: Montant | None = Field(default=None, description="Defaults to montant_ttc")
    fournisseur: Siret
    moe: Siret | None = None
    moa: Siret | None = None
    numero_marche: str | None = Field(default=None, max_length=50)
    numero_engagement: str | None = Field(default=None, max_length=50)
    code_service: str | None = Field(default=None, max_length=100)
    piece_precedente_id: str | None = None


class Link(BaseModel):
    href: str


class DepositAccepted(BaseModel):
    piece_id: str
    dossier_id: str
    statut: Statut
    links: dict[str, Link]


class HistoryItem(BaseModel):
    statut: Statut
    libelle: str
    at: datetime
    comment: str | None = None


class DocumentInfo(BaseModel):
    filename: str
    content_type: str
    size: int
    sha256: str
    href: str


class PieceView(PieceSnapshot):
    """A pièce as the API shows it: the snapshot every event carries, with labels, files and history."""

    cadre_libelle: str
    statut_libelle: str
    document: DocumentInfo
    pieces_jointes: list[DocumentInfo] = []
    historique: list[HistoryItem]


class DossierView(BaseModel):
    dossier_id: str
    cadre_initial: Cadre
    fournisseur: str
    moe: str | None
    moa: str | None
    ouvert_le: datetime
    derniere_activite: datetime
    pieces: list[PieceView]
