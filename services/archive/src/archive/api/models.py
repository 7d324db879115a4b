"""Shapes of the archive's answers."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from contracts import Cadre, PieceSnapshot
from readmodel.views import DocumentInfo, HistoryItem, SearchItem


class ArchivedItem(SearchItem):
    """A pièce of an archived dossier, in a search's results."""

    archivee_le: datetime
    href: str = Field(description="Le dossier archivé")


class ArchiveSearchPage(BaseModel):
    page: int
    taille: int
    total: int = Field(description="Nombre de pièces archivées correspondant aux critères")
    pages: int
    resultats: list[ArchivedItem]


class ArchivedPiece(PieceSnapshot):
    """A pièce as it was when its dossier moved to the archive: the snapshot, labels, files and history."""

    cadre_libelle: str
    statut_libelle: str
    motif: str | None = None
    commentaire: str | None = None
    document: DocumentInfo
    pieces_jointes: list[DocumentInfo]
    historique: list[HistoryItem]


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
