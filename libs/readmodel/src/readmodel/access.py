"""Who may see and do what (docs/architecture.md §5.3): pure rules over a caller's habilitations.

A user sees a dossier only when one of its structures is a party to it; ``CONSULTATION`` reads,
``MODIFICATION`` acts; a habilitation limited to a service covers only the pièces naming that service.

``principal_from_user`` rebuilds a caller from what the deposit service's ``GET /v1/moi`` answers, so a
service that does not own the directory applies the very same rules.

A dossier's operations data (the mails sent, the legal deadlines, the archive's activity record) is shown
to the parties of the dossier and to the platform administrator (``follows_dossier``); a structure's
contacts (people's e-mail addresses) only to those who manage it (``structure_seen_by``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from contracts import CompteType, PieceSnapshot, Profil, Structure

PARTY_FIELDS = ("fournisseur", "valideur", "moe", "moa", "destinataire")


@dataclass(frozen=True, slots=True)
class Habilitation:
    siret: str
    profil: Profil
    service: str | None = None  # None: the whole structure
    gestionnaire: bool = False  # manages the structure's users and parameters

    def covers(self, code_service: str | None) -> bool:
        return self.service is None or self.service == code_service


@dataclass(frozen=True, slots=True)
class Principal:
    email: str
    nom: str
    admin: bool = False  # the platform's administrator: manages the directory, reads no pièce
    habilitations: tuple[Habilitation, ...] = ()
    kind: CompteType = CompteType.PERSONNE  # a person, or a technical account (API client) of one structure
    token_id: str | None = None  # the token the request came with (the audit log names it)

    def sirets(self) -> set[str]:
        return {h.siret for h in self.habilitations}

    def modification_sirets(self) -> set[str]:
        return {h.siret for h in self.habilitations if h.profil is Profil.MODIFICATION}

    def can_read(self, parties: Iterable[str | None], code_service: str | None) -> bool:
        named = set(parties)
        return any(h.siret in named and h.covers(code_service) for h in self.habilitations)

    def can_act(self, siret: str | None, code_service: str | None) -> bool:
        return siret is not None and any(
            h.siret == siret and h.profil is Profil.MODIFICATION and h.covers(code_service) for h in self.habilitations
        )

    def manages(self, siret: str) -> bool:
        return self.admin or any(h.siret == siret and h.gestionnaire for h in self.habilitations)

    def manages_any(self) -> bool:
        return self.admin or any(h.gestionnaire for h in self.habilitations)


def principal_from_user(view: Mapping[str, Any]) -> Principal | None:
    """The caller described by a user view (the JSON of deposit's ``GET /v1/moi``); None for an inactive user.

    ``view`` is ``{email, nom, active, admin, type, jeton_id, habilitations: [{siret, profil, service,
    gestionnaire}]}``; absent members take the directory's defaults (active, not admin, a person, no
    habilitation, whole structure).
    """
    if not view.get("active", True):
        return None
    email = view["email"]
    return Principal(
        email=email,
        nom=view.get("nom") or email,
        admin=bool(view.get("admin", False)),
        habilitations=tuple(
            Habilitation(h["siret"], Profil(h["profil"]), h.get("service"), bool(h.get("gestionnaire", False)))
            for h in view.get("habilitations") or ()
        ),
        kind=CompteType(view.get("type") or CompteType.PERSONNE),
        token_id=view.get("jeton_id"),
    )


@dataclass(frozen=True, slots=True)
class PieceParties:
    """What the access rules need of a pièce: its parties' SIRETs and its service."""

    parties: frozenset[str]
    code_service: str | None = None

    @classmethod
    def of(cls, piece: PieceSnapshot) -> "PieceParties":
        return cls(frozenset(s for s in (getattr(piece, f) for f in PARTY_FIELDS) if s), piece.code_service)

    def to_doc(self) -> dict[str, Any]:
        return {"parties": sorted(self.parties), "code_service": self.code_service}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> "PieceParties":
        return cls(frozenset(doc.get("parties") or ()), doc.get("code_service"))


def follows_dossier(caller: Principal, pieces: Iterable[PieceParties]) -> bool:
    """A dossier's operations data (mails sent, deadlines, archive activity): the administrator, and whoever
    reads one of its pièces (a habilitation limited to a service: a pièce naming that service)."""
    return caller.admin or any(caller.can_read(p.parties, p.code_service) for p in pieces)


def structure_seen_by(structure: Structure, caller: Principal) -> Structure:
    """Any caller sees a structure; its contacts (people's e-mail addresses) only those who manage it."""
    return structure if caller.manages(structure.siret) else structure.model_copy(update={"contacts": []})
