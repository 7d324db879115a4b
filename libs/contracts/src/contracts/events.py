"""Payloads of every event. Their CloudEvents ``type`` and topic are in ``contracts.catalog``."""

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.billing import FormatDepot, ModeReglement, TypeTva
from contracts.cadres import Cadre
from contracts.money import Montant
from contracts.roles import Role
from contracts.siret import Siret
from contracts.statuses import Statut


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PieceSnapshot(_Payload):
    """What a pièce is at the moment an event is emitted (enough for any consumer to act alone)."""

    piece_id: str
    dossier_id: str
    numero: str = Field(description="Numéro de la pièce, unique per fournisseur")
    cadre: Cadre
    statut: Statut
    date_piece: date
    devise: str = Field(min_length=3, max_length=3)
    type_tva: TypeTva = TypeTva.TVA_SUR_ENCAISSEMENTS
    mode_reglement: ModeReglement = ModeReglement.VIREMENT
    format_depot: FormatDepot = FormatDepot.PDF_NON_SIGNE
    montant_ht: Montant
    montant_tva: Montant
    montant_ttc: Montant
    montant_a_payer: Montant
    fournisseur: Siret
    moe: Siret | None = None
    moa: Siret | None = None
    destinataire: Siret | None = None
    numero_marche: str | None = None
    numero_engagement: str | None = None
    code_service: str | None = None
    piece_precedente_id: str | None = None
    deposee_le: AwareDatetime


class SubmissionReason(StrEnum):
    DEPOT = "DEPOT"
    COMPLETION = "COMPLETION"
    RECYCLAGE = "RECYCLAGE"


class PieceSubmitted(_Payload):
    """A pièce was deposited, completed or recycled and must be routed."""

    reason: SubmissionReason = SubmissionReason.DEPOT
    piece: PieceSnapshot


class Recipient(_Payload):
    role: Role
    siret: Siret


class PieceRouted(_Payload):
    """Routing's decision for one submitted pièce: the recipient and new status, or a routing error."""

    piece_id: str
    dossier_id: str
    submitted_event_id: str = Field(description="Id of the travaux.pieces.submitted event this decides")
    statut: Statut
    recipient: Recipient | None = None
    error_code: str | None = Field(default=None, description="Stable routing-error code the issuer can act on")
    error_detail: str | None = None


class ExpectedAction(_Payload):
    """Who must act next on the pièce, and what they are expected to do."""

    role: Role
    siret: Siret
    action: str = Field(description="Human-readable call to action, in French")


class PieceStatusChanged(_Payload):
    """Every status change of a pièce, with its snapshot: the public stream for downstream systems."""

    previous_statut: Statut | None
    statut: Statut
    changed_at: AwareDatetime
    piece: PieceSnapshot
    expected_action: ExpectedAction | None = None


class Structure(_Payload):
    siret: Siret
    nom: str
    email_contact: str
    publique: bool = False
    active: bool = True


class StructureUpserted(_Payload):
    """A structure of the directory was created or changed (compacted topic, keyed by SIRET)."""

    structure: Structure
