"""What the directory's resources look like on the wire: accounts, habilitations, invitations and
requests, technical accounts, tokens, audit entries (docs/authority.md)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from contracts import CompteType, Profil
from contracts.email import EmailAddress
from deposit.domain import authority
from readmodel.access import Principal

Nom = Field(min_length=1, max_length=200, examples=["Claire Martin"])


class _Input(BaseModel):
    """A request body: unknown members refused, and a boolean is JSON's ``true`` or ``false`` (``0``, ``"yes"``
    are refused, as the document says: ``StrictBool``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HabilitationInput(_Input):
    profil: Profil
    service: str | None = Field(default=None, description="Limits the habilitation to one service of the structure")
    gestionnaire: StrictBool = Field(default=False, description="Manages the structure's users and parameters")


class HabilitationView(BaseModel):
    siret: str
    profil: Profil
    service: str | None = None
    gestionnaire: bool = False


class UserView(BaseModel):
    email: str = Field(description="The account's identifier: a person's e-mail address, or a technical account's")
    nom: str
    type: CompteType
    active: bool
    admin: bool
    habilitations: list[HabilitationView] = Field(
        description="All of them for the account's owner and the administrator; for a gestionnaire, those on "
        "the structures it manages"
    )


class MeView(UserView):
    jeton_id: str | None = Field(default=None, description="The token this request came with")


class AccountUpdate(_Input):
    nom: str | None = Field(default=None, min_length=1, max_length=200, description="Its owner's (a person)")
    active: StrictBool | None = Field(
        default=None, description="The administrator's (a person), the structure's gestionnaires (technical)"
    )


class StructureUser(BaseModel):
    email: str
    nom: str
    type: CompteType
    profil: Profil
    service: str | None = None
    gestionnaire: bool = False


class CodeRequest(_Input):
    email: EmailAddress
    nom: str | None = Field(
        default=None, min_length=1, max_length=200, description="To create an account for an unknown address"
    )


class CodeRequested(BaseModel):
    detail: str


class Redemption(_Input):
    code: str = Field(min_length=10, max_length=200, description="The one-time code received by e-mail")
    libelle: str = Field(default="api", min_length=1, max_length=100, description="The new token's label")


class InvitationInput(HabilitationInput):
    email: EmailAddress
    nom: str | None = Field(
        default=None, min_length=1, max_length=200, description="Required when the address has no account yet"
    )


class RattachementView(BaseModel):
    """An invitation (a gestionnaire → an e-mail address) or a request (a person → a structure)."""

    id: str
    siret: str
    email: str
    profil: Profil
    service: str | None = None
    gestionnaire: bool = False
    statut: str = Field(description="EN_ATTENTE, ACCEPTEE, REFUSEE, RETIREE")
    par: str = Field(description="Who invited (an invitation) or who asks (a request)")
    message: str | None = None
    cree_le: datetime
    expire_le: datetime | None = None
    decide_par: str | None = None
    decide_le: datetime | None = None


class RequestInput(_Input):
    profil: Profil
    service: str | None = None
    message: str | None = Field(default=None, max_length=1000, description="For the gestionnaire")


class Approval(_Input):
    profil: Profil | None = Field(default=None, description="Defaults to the profile requested")
    service: str | None = None
    gestionnaire: StrictBool = False


class RedeemedView(BaseModel):
    email: str
    jeton_id: str
    libelle: str
    cree_le: datetime
    jeton: str = Field(description="The bearer token. Shown once: only its hash is stored.")
    invitation: RattachementView | None = Field(default=None, description="The invitation the code accepted")


class TechnicalAccountInput(_Input):
    libelle: str = Field(min_length=1, max_length=100, examples=["ERP comptable"])
    profil: Profil = Profil.MODIFICATION
    service: str | None = None


class TechnicalAccountView(BaseModel):
    identifiant: str
    libelle: str
    siret: str
    profil: Profil
    service: str | None = None
    active: bool


class TokenInput(_Input):
    libelle: str = Field(default="api", min_length=1, max_length=100, examples=["ERP comptable"])


class TokenView(BaseModel):
    jeton_id: str
    libelle: str
    cree_le: datetime


class TokenCreated(TokenView):
    jeton: str = Field(description="The bearer token. Shown once: only its hash is stored.")


class AuditEntry(BaseModel):
    at: datetime
    acteur: str
    jeton_id: str | None = Field(default=None, description="The token the change was made with")
    via: str = Field(
        default="jeton", description="jeton; code (a one-time code from the account's mailbox); anonyme (no proof)"
    )
    action: str
    cible: str | None = None
    structure: str | None = None
    details: dict = {}


def user_view(account: authority.Account, caller: Principal) -> UserView:
    """The account as ``caller`` may see it (a gestionnaire: only its habilitations on its structures)."""
    return UserView(
        email=account.id,
        nom=account.nom,
        type=account.kind,
        active=account.active,
        admin=account.admin,
        habilitations=[
            HabilitationView(siret=h.siret, profil=h.profil, service=h.service, gestionnaire=h.gestionnaire)
            for h in authority.visible_habilitations(caller, account)
        ],
    )


def rattachement_view(document: dict) -> RattachementView:
    return RattachementView(id=document["_id"], **{k: v for k, v in document.items() if k != "_id"})


def technical_view(account: authority.Account) -> TechnicalAccountView:
    habilitation = account.on(account.structure)
    return TechnicalAccountView(
        identifiant=account.id,
        libelle=account.nom,
        siret=account.structure,
        profil=habilitation.profil,
        service=habilitation.service,
        active=account.active,
    )
