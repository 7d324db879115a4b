"""The HTTP resources' shapes: what a caller sends and what it reads back."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from contracts import (
    Cadre,
    Echeance,
    ExpectedAction,
    Penalites,
    PieceSnapshot,
    Statut,
)
from deposit.usecases.commands import PieceInput
from readmodel.views import DocumentInfo, HistoryItem

__all__ = ["PieceInput"]  # a command of the service layer, documented by the API


class Link(BaseModel):
    href: str


class DepositAccepted(BaseModel):
    piece_id: str
    dossier_id: str
    statut: Statut
    links: dict[str, Link]


class PossibleAction(BaseModel):
    action: str
    role: str
    statut: str | None = Field(default=None, description="For `traiter`: the status it sets")


class PieceView(PieceSnapshot):
    """A pièce as the API shows it: the snapshot every event carries, with labels, files and history."""

    cadre_libelle: str
    statut_libelle: str
    document: DocumentInfo
    pieces_jointes: list[DocumentInfo] = []
    historique: list[HistoryItem]
    attente: ExpectedAction | None = Field(default=None, description="Who must act now, and what is expected")
    motif: str | None = Field(
        default=None,
        description="Motif of the last status change (refusal, suspension, rejection, routing error code), if it had one",
    )
    commentaire: str | None = None
    echeances: list[Echeance] = Field(default=[], description="Legal deadlines reached on this pièce")
    actions_possibles: list[PossibleAction] = []


class LatePaymentFigures(Penalites):
    """Late-payment penalties of the dossier (CCP L2192-13, R2192-31, D2192-35), as routing computed them."""

    piece_id: str = Field(description="The pièce put in payment")
    due_at: datetime
    paid_at: datetime


class PaymentDeadlineView(BaseModel):
    """Délai global de paiement (CCP R2192-10 ff.): 30, 50 or 60 days by the destinataire's category."""

    delai_jours: int
    periode_jours: int = Field(description="The running period: delai_jours, or what was left at the interruption")
    debut: datetime | None = Field(
        description="Mise à disposition of the first pièce (MOE, else MOA or destinataire); after an "
        "interruption, the completion that started the new period"
    )
    echeance: date | None
    interrompu_le: datetime | None = Field(description="Suspension that interrupted the délai (once)")
    mis_en_paiement_le: datetime | None
    jours_restants: int | None = Field(description="Negative when late; None before the start or once paid")
    en_retard: bool
    penalites: LatePaymentFigures | None = Field(
        default=None, description="Interest and indemnity owed, once put in payment after the due date (routing)"
    )


class DossierView(BaseModel):
    dossier_id: str
    cadre_initial: Cadre
    fournisseur: str
    valideur: str | None = None
    moe: str | None = None
    moa: str | None = None
    destinataire: str | None = None
    parties: list[str] = Field(description="SIRETs of every structure party to the dossier")
    ouvert_le: datetime
    derniere_activite: datetime
    delai_paiement: PaymentDeadlineView
    pieces: list[PieceView]
