"""Payloads of every event. Their CloudEvents ``type`` and topic are in ``contracts.catalog``."""

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from contracts.billing import FormatDepot, ModeReglement, TypeTva
from contracts.cadres import Cadre
from contracts.directory import CategorieEntite, PresenceMoa, Profil
from contracts.email import EmailAddress
from contracts.money import Montant, Taux
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
    fournisseur: Siret = Field(description="Titulaire, mandataire, cotraitant or sous-traitant who files the dossier")
    valideur: Siret | None = Field(
        default=None, description="Titulaire (A10) or mandataire (A13, A14) who validates first"
    )
    moe: Siret | None = None
    moa: Siret | None = None
    destinataire: Siret | None = Field(default=None, description="Service financier receiving payable pièces")
    emetteur: Siret | None = Field(default=None, description="Structure that deposited this pièce")
    numero_marche: str | None = None
    numero_engagement: str | None = None
    code_service: str | None = None
    piece_precedente_id: str | None = None
    deposee_le: AwareDatetime


class SubmissionReason(StrEnum):
    DEPOT = "DEPOT"
    COMPLETION = "COMPLETION"
    RECYCLAGE = "RECYCLAGE"
    VALIDATION = "VALIDATION"  # the valideur (titulaire, mandataire) answered or let the delay pass


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
    action: str | None = Field(default=None, description="The action that caused the change (refuser, traiter...)")
    motif: str | None = Field(default=None, description="Motif code of a refusal, rejection or suspension")
    commentaire: str | None = None
    mise_en_paiement_masquee: bool | None = Field(
        default=None,
        description="MISE_EN_PAIEMENT only: whether the destinataire hid this status from the fournisseur when it "
        "was set (« Le statut Mise en paiement n'est pas remonté au fournisseur »); None on other changes",
    )


class Service(_Payload):
    """A service of a public structure (service exécutant)."""

    code: str = Field(min_length=1, max_length=100)
    libelle: str = Field(min_length=1, max_length=200)
    active: StrictBool = True
    numero_engagement_obligatoire: StrictBool = False


class Contact(_Payload):
    """A user holding a habilitation on the structure: who the notifications reach."""

    email: str
    nom: str
    profil: Profil
    service: str | None = Field(default=None, description="Service the habilitation is limited to")


class Structure(_Payload):
    siret: Siret
    nom: str
    email_contact: EmailAddress
    publique: StrictBool = False
    active: StrictBool = True
    categorie: CategorieEntite | None = Field(default=None, description="Sets the délai global de paiement")
    presence_moa: PresenceMoa = PresenceMoa.AUCUNE
    code_service_obligatoire: StrictBool = False
    numero_engagement_obligatoire: StrictBool = False
    engagement_ou_service_obligatoire: StrictBool = False
    mise_en_paiement_masquee: StrictBool = Field(
        default=False, description="« Mise en paiement » is not shown to the fournisseur"
    )
    services: list[Service] = []
    contacts: list[Contact] = []


class StructureUpserted(_Payload):
    """A structure of the directory was created or changed (compacted topic, keyed by SIRET)."""

    structure: Structure


class Echeance(StrEnum):
    """Legal deadlines routing watches (docs/domain.md §6)."""

    DG_NON_NOTIFIE = "DG_NON_NOTIFIE"  # 30 d without a DG after the PDG: the fournisseur may file A22
    A22_SANS_REPONSE = "A22_SANS_REPONSE"  # 10 d without a DG after A22: the fournisseur may file A23
    DG_NON_RETOURNE = "DG_NON_RETOURNE"  # 30 d without the signed DG: the MOA may file A25 (the MOE A24)
    VALIDATION_HORS_DELAI = "VALIDATION_HORS_DELAI"  # 15 d of silence of the titulaire / mandataire
    DELAI_PAIEMENT_DEPASSE = "DELAI_PAIEMENT_DEPASSE"  # délai global de paiement over


class Penalites(_Payload):
    """What a late payment costs the public buyer (CCP L2192-13, R2192-31, D2192-35): interest at the ECB
    main refinancing rate + 8 points, pro rata temporis on the amount paid late, and a €40 indemnity."""

    base: Montant = Field(description="Amount paid late (montant à payer of the payable pièce)")
    taux_bce: Taux = Field(description="ECB main refinancing rate in force, in %")
    taux: Taux = Field(description="Late-payment interest rate: taux_bce + 8 points, in %")
    jours_retard: int = Field(ge=0, description="Days between the due date and the payment (0 on the due date)")
    interets: Montant = Field(description="base × taux × jours_retard / 365, rounded to the cent")
    indemnite_forfaitaire: Montant = Field(description="Flat recovery indemnity, €40")
    total: Montant


class DeadlineReached(_Payload):
    """A legal deadline on a pièce was reached (published by routing, which owns time)."""

    piece_id: str
    dossier_id: str
    echeance: Echeance
    due_at: AwareDatetime
    detail: str | None = None
    penalites: Penalites | None = Field(
        default=None, description="DELAI_PAIEMENT_DEPASSE only: the rate and indemnity now owed"
    )


class LatePaymentPenalties(_Payload):
    """A dossier was put in payment after its délai global de paiement: the interest and indemnity due
    (to be paid within 45 days, CCP R2192-36). Published by routing."""

    piece_id: str = Field(description="The pièce put in payment")
    dossier_id: str
    due_at: AwareDatetime
    paid_at: AwareDatetime
    penalites: Penalites
    mise_en_paiement_masquee: bool = Field(
        default=False, description="The destinataire hid the mise en paiement from the fournisseur (so are these)"
    )
