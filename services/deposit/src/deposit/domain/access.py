"""Who may see and do what (architecture §4): pure rules over a caller's habilitations.

A user sees a dossier only when one of its structures is a party to it; ``CONSULTATION`` reads,
``MODIFICATION`` acts; a habilitation limited to a service covers only the pièces naming that service.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from contracts import Profil


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
