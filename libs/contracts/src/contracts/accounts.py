"""Accounts (docs/authority.md): the one-time codes deposit issues and notification e-mails.

A person's account is theirs: a token for it is obtained only with a code sent to its address. The
code travels on ``travaux.comptes.codes``, a **private** topic (deposit → notification only; ACLs in
production, never for downstream systems): it is single use, short-lived, and stored hashed by deposit.
"""

from enum import StrEnum

from pydantic import AwareDatetime, Field

from contracts.directory import Profil
from contracts.events import _Payload
from contracts.siret import Siret


class CompteType(StrEnum):
    PERSONNE = "personne"  # a person: identified by their e-mail address, owns their tokens
    TECHNIQUE = "technique"  # an API client of one structure, managed by its gestionnaires


class CodeMotif(StrEnum):
    """Why a one-time code was sent."""

    ACTIVATION = "ACTIVATION"  # a new account (self-registration): the code activates it
    CONNEXION = "CONNEXION"  # an existing account asked to sign in (a new token)
    INVITATION = "INVITATION"  # a gestionnaire invites the address onto its structure


class InvitationDetails(_Payload):
    invitation_id: str
    siret: Siret
    structure_nom: str
    profil: Profil
    service: str | None = None
    gestionnaire: bool = False
    invite_par: str = Field(description="Name of the person who invites")


class AccountCodeIssued(_Payload):
    """A one-time code for ``email``, to be e-mailed to that address and nowhere else."""

    email: str
    nom: str | None = None
    motif: CodeMotif
    code: str = Field(description="The one-time secret (single use); redeemed at POST /v1/comptes/activation")
    expires_at: AwareDatetime
    invitation: InvitationDetails | None = None
