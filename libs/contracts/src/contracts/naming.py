"""What a structure may be named as on a pièce, by its directory parameters (docs/domain.md §5.1, §5.2).
Pure: one table, used by deposit (a pièce naming a structure in a role it cannot play is refused at once,
on the field that names it) and by routing (which checks again when it routes: the directory may have
changed in between).

- **MOA**: a public structure (a private MOA déléguée must first be converted to a public structure), set
  « avec MOA » or « exclusivement MOA » (a « sans MOA » structure only receives payable pièces, and
  « — Aucun — » is no MOA at all).
- **destinataire** (the service financier of payable pièces): a public structure, never « exclusivement
  MOA » (works pièces only); the pièce's MOA itself only when it is « avec MOA »; and when the MOA is
  « exclusivement MOA », a distinct structure « sans MOA ».

The codes are routing's error codes, so a refusal at deposit and a routing error say the same thing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from contracts.directory import PresenceMoa
from contracts.events import Structure

P = PresenceMoa


class NamedAs(StrEnum):
    """The roles a structure's parameters constrain, by the pièce's field that names them."""

    MOA = "moa"
    DESTINATAIRE = "destinataire"


@dataclass(frozen=True, slots=True)
class Naming:
    """A structure named ``role`` on a pièce, with the pièce's MOA (None when it names none)."""

    role: NamedAs
    structure: Structure
    moa: Structure | None = None

    @property
    def is_its_own_moa(self) -> bool:
        return self.moa is not None and self.moa.siret == self.structure.siret


@dataclass(frozen=True, slots=True)
class NamingError:
    code: str
    detail: str  # French, names the structure: what to fix


_WHO = {NamedAs.MOA: "la MOA", NamedAs.DESTINATAIRE: "le destinataire"}
PRESENCE_LABELS = {P.AUCUNE: "« — Aucun — » (présence MOA non renseignée)", P.SANS_MOA: "« sans MOA »",
                   P.AVEC_MOA: "« avec MOA »", P.EXCLUSIVEMENT_MOA: "« exclusivement MOA »"}  # fmt: skip
ACTS_AS_MOA = frozenset({P.AVEC_MOA, P.EXCLUSIVEMENT_MOA})
OWN_DESTINATAIRE = frozenset({P.AVEC_MOA})  # MOA and service financier in one SIRET
_WORKS_ONLY = frozenset({P.EXCLUSIVEMENT_MOA})  # never a destinataire of payable pièces
# présence of the pièce's MOA → présences its (distinct) destinataire may have; any other MOA leaves it free
_DESTINATAIRE_OF_MOA = {P.EXCLUSIVEMENT_MOA: frozenset({P.SANS_MOA})}

# (code, fails when, detail): the first failing rule is the error.
_Rule = tuple[str, Callable[[Naming], bool], str]

# fmt: off
RULES: dict[NamedAs, tuple[_Rule, ...]] = {
    NamedAs.MOA: (
        ("moa_non_publique", lambda n: not n.structure.publique,
         "{who} : structure privée ; seule une structure publique peut être MOA (une MOA déléguée privée doit être convertie en structure publique « avec MOA »)"),
        ("moa_non_autorisee", lambda n: n.structure.presence_moa not in ACTS_AS_MOA,
         "{who} : structure paramétrée {presence}, qui ne peut pas être MOA ; indiquez une structure « avec MOA » ou « exclusivement MOA »"),
    ),
    NamedAs.DESTINATAIRE: (
        ("destinataire_non_publique", lambda n: not n.structure.publique,
         "{who} : structure privée ; les pièces payables vont au service financier d'une structure publique"),
        ("destinataire_non_autorise", lambda n: n.structure.presence_moa in _WORKS_ONLY,
         "{who} : structure « exclusivement MOA », qui ne traite que les pièces de travaux ; indiquez comme destinataire la structure distincte, paramétrée « sans MOA », qui reçoit les pièces payables"),
        ("destinataire_non_autorise", lambda n: n.is_its_own_moa and n.structure.presence_moa not in OWN_DESTINATAIRE,
         "{who} : structure à la fois MOA et destinataire de la pièce mais paramétrée {presence} ; seule une structure « avec MOA » est son propre destinataire"),
        ("destinataire_non_autorise",
         lambda n: n.moa is not None and n.structure.presence_moa not in _DESTINATAIRE_OF_MOA.get(n.moa.presence_moa, frozenset(P)),
         "{who} : structure paramétrée {presence} ; {moa} étant « exclusivement MOA », le destinataire doit être une structure distincte paramétrée « sans MOA »"),
    ),
}
# fmt: on

NAMING_ERROR_CODES: tuple[str, ...] = tuple(dict.fromkeys(code for rules in RULES.values() for code, _, _ in rules))


def _wording(naming: Naming) -> dict[str, str]:
    structure, moa = naming.structure, naming.moa
    return {
        "who": f"{_WHO[naming.role]} {structure.siret} ({structure.nom})",
        "presence": PRESENCE_LABELS[structure.presence_moa],
        "moa": f"la MOA {moa.siret} ({moa.nom})" if moa else "la MOA",
    }


def naming_error(role: NamedAs, structure: Structure, moa: Structure | None = None) -> NamingError | None:
    """Why ``structure`` cannot be named ``role`` on a pièce whose MOA is ``moa``; None when it can."""
    naming = Naming(role, structure, moa)
    for code, fails, detail in RULES[role]:
        if fails(naming):
            return NamingError(code, detail.format_map(_wording(naming)))
    return None
