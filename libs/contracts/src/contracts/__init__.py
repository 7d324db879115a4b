"""Shared contracts of the factures de travaux platform: envelope, event payloads, enums, topics. No I/O."""

from contracts.accounts import AccountCodeIssued, CodeMotif, CompteType, InvitationDetails
from contracts.archiving import ArchivedCounts, DossierArchived, DossierKept, DossierRemoved
from contracts.billing import ATTACHMENT_EXTENSIONS, ISO_4217, FormatDepot, ModeReglement, TypeTva, extension_of
from contracts.cadres import Cadre, CadreInfo, Phase, Position, info, parse_cadre
from contracts.catalog import CATALOG, ContractError, EventSpec, make_event, parse_event, spec_of
from contracts.directory import CategorieEntite, PresenceMoa, Profil, delai_paiement_jours
from contracts.envelope import Envelope, new_event_id, utcnow
from contracts.events import (
    Contact,
    DeadlineReached,
    Echeance,
    ExpectedAction,
    LatePaymentPenalties,
    Penalites,
    PieceRouted,
    PieceSnapshot,
    PieceStatusChanged,
    PieceSubmitted,
    Recipient,
    Service,
    Structure,
    StructureUpserted,
    SubmissionReason,
)
from contracts.roles import Role
from contracts.siret import Siret, siret_error
from contracts.statuses import Statut, libelle

__all__ = [
    "AccountCodeIssued",
    "CodeMotif",
    "CompteType",
    "InvitationDetails",
    "ArchivedCounts",
    "DossierArchived",
    "DossierKept",
    "DossierRemoved",
    "CategorieEntite",
    "Contact",
    "DeadlineReached",
    "Echeance",
    "PresenceMoa",
    "Profil",
    "Service",
    "delai_paiement_jours",
    "ATTACHMENT_EXTENSIONS",
    "CATALOG",
    "FormatDepot",
    "ISO_4217",
    "ModeReglement",
    "TypeTva",
    "extension_of",
    "Cadre",
    "CadreInfo",
    "ContractError",
    "Envelope",
    "EventSpec",
    "ExpectedAction",
    "LatePaymentPenalties",
    "Penalites",
    "Phase",
    "PieceRouted",
    "PieceSnapshot",
    "PieceStatusChanged",
    "PieceSubmitted",
    "Position",
    "Recipient",
    "Role",
    "Siret",
    "Statut",
    "Structure",
    "StructureUpserted",
    "SubmissionReason",
    "info",
    "libelle",
    "make_event",
    "new_event_id",
    "parse_cadre",
    "parse_event",
    "siret_error",
    "spec_of",
    "utcnow",
]
