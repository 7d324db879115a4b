"""Shapes of the archive's answers."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from contracts import Cadre, Statut
from contracts.money import Montant


class ArchivedItem(BaseModel):
    """A pièce of an archived dossier, in a search's results."""

    piece_id: str
    dossier_id: str
    numero: str
    cadre: Cadre
    cadre_libelle: str
    statut: Statut
    statut_libelle: str
    date_piece: date
    deposee_le: datetime
    montant_ht: Montant
    montant_ttc: Montant
    devise: str
    fournisseur: str
    moe: str | None = None
    moa: str | None = None
    destinataire: str | None = None
    numero_marche: str | None = None
    code_service: str | None = None
    archivee_le: datetime
    href: str = Field(description="Le dossier archivé")


class ArchiveSearchPage(BaseModel):
    page: int
    taille: int
    total: int = Field(description="Nombre de pièces archivées correspondant aux critères")
    pages: int
    resultats: list[ArchivedItem]


class ArchivedHistoryItem(BaseModel):
    statut: Statut
    libelle: str
    at: datetime
    comment: str | None = None
    action: str | None = None
    motif: str | None = None
    par: str | None = None


class ArchivedDocumentInfo(BaseModel):
    filename: str
    content_type: str
    size: int
    sha256: str
    href: str


class ArchivedPiece(BaseModel):
    piece_id: str
    numero: str
    cadre: Cadre
    cadre_libelle: str
    statut: Statut
    statut_libelle: str
    date_piece: date
    deposee_le: datetime
    montant_ht: Montant
    montant_tva: Montant
    montant_ttc: Montant
    montant_a_payer: Montant
    devise: str
    fournisseur: str
    valideur: str | None = None
    moe: str | None = None
    moa: str | None = None
    destinataire: str | None = None
    emetteur: str | None = None
    numero_marche: str | None = None
    numero_engagement: str | None = None
    code_service: str | None = None
    piece_precedente_id: str | None = None
    motif: str | None = None
    commentaire: str | None = None
    document: ArchivedDocumentInfo
    pieces_jointes: list[ArchivedDocumentInfo]
    historique: list[ArchivedHistoryItem]


class ArchivedNotification(BaseModel):
    email: str
    statut: str | None = None
    subject: str | None = None
    state: str = Field(description="sent, dead, pending, retrying: where the e-mail stood when archived")
    created_at: datetime | None = None
    sent_at: datetime | None = None


class ArchivedDossier(BaseModel):
    dossier_id: str
    cadre_initial: Cadre
    fournisseur: str
    parties: list[str]
    ouvert_le: datetime
    derniere_activite: datetime
    archive_le: datetime
    compteurs: dict[str, int] = Field(description="pièces, documents, octets, notifications vérifiés à la copie")
    penalites: dict[str, Any] | None = None
    pieces: list[ArchivedPiece]
    notifications: list[ArchivedNotification]


class SweepAnswer(BaseModel):
    as_of: datetime
    cutoff: datetime = Field(description="Dossiers sans activité avant cet instant : déplacés")
    batches: int
    outcomes: dict[str, int] = Field(description="announced, aborted, absent, failed, skipped")
    seconds: float
    dossiers_per_second: float
