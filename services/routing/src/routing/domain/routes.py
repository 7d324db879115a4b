"""Who receives a submitted pièce, and in which status. Pure: a function of the pièce, why it was submitted
and the directory's view of the structures it names (docs/domain.md §5.1 parameters, §5.3 routes).

Once the cadre's route gives the recipient, its structure is checked; the first failing rule is the
routing error, with a stable code and a French detail telling the issuer what to fix:

1. The recipient is a known, active structure of the directory.
2. A MOA-bound cadre (A5, A15, A17, A22) goes to a structure that may be MOA, and a payable cadre (A6, A8,
   A16, A19, A23, A24, A25) to one that may be its destinataire: ``contracts.naming``, the rules deposit
   already applied when the pièce named it (checked again: the directory may have changed since). A MOA
   « avec MOA » is its own destinataire, also when the pièce names none.
3. The structure owning the pièce's code service and numéro d'engagement (the MOA or the destinataire, the
   public recipient) imposes its parameters: a known, active service; code service, numéro d'engagement
   (structure- or service-level) or one of both mandatory. Routes to the MOE, fournisseur or valideur skip it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from contracts import Cadre, PieceSnapshot, Role, Service, Statut, Structure, SubmissionReason
from contracts.naming import NAMING_ERROR_CODES, OWN_DESTINATAIRE, NamedAs, naming_error

C, S = Cadre, Statut

Directory = Callable[[str], Structure | None]  # SIRET → the structure, None when unknown


@dataclass(frozen=True, slots=True)
class Route:
    statut: Statut
    role: Role
    siret: str


@dataclass(frozen=True, slots=True)
class RoutingError:
    code: str
    detail: str


_TO_MOE = (S.MISE_A_DISPOSITION_MOE, Role.MOE, "moe")
_TO_MOA = (S.MISE_A_DISPOSITION_MOA, Role.MOA, "moa")
_TO_FOURNISSEUR = (S.MISE_A_DISPOSITION_FOURNISSEUR, Role.FOURNISSEUR, "fournisseur")
_TO_DESTINATAIRE = (S.MISE_A_DISPOSITION_DESTINATAIRE, Role.SERVICE_FINANCIER, "destinataire")
_TO_VALIDEUR = (S.A_VALIDER_1, Role.VALIDEUR, "valideur")

# cadre → (status on arrival, role of the recipient, the pièce's field naming that recipient)
_ROUTES: dict[Cadre, tuple[Statut, Role, str]] = {
    **dict.fromkeys((C.A4, C.A7), _TO_MOE),
    **dict.fromkeys((C.A10, C.A13, C.A14), _TO_VALIDEUR),  # the titulaire / mandataire first
    **dict.fromkeys((C.A5, C.A15, C.A17, C.A22), _TO_MOA),
    **dict.fromkeys((C.A18, C.A20), _TO_FOURNISSEUR),
    **dict.fromkeys((C.A6, C.A8, C.A16, C.A19, C.A23, C.A24, C.A25), _TO_DESTINATAIRE),
}

# After the valideur answered (or let the delay pass), a sous-traitant's or cotraitant's pièce goes to the MOE.
_AFTER_VALIDATION: dict[Cadre, tuple[Statut, Role, str]] = dict.fromkeys((C.A10, C.A13, C.A14), _TO_MOE)

# field → (as subject, after « de »)
_LABELS = {"moe": ("la MOE", "de la MOE"), "moa": ("la MOA", "de la MOA"), "fournisseur": ("le fournisseur", "du fournisseur"),
           "destinataire": ("le destinataire", "du destinataire"), "valideur": ("le valideur", "du valideur")}  # fmt: skip
_ABSENT_HINTS = {"destinataire": " (seule une MOA « structure avec MOA » reçoit elle-même les pièces payables)"}
# The roles whose recipient the structure's parameters constrain (contracts.naming), which are also the public
# structures owning the pièce's code service and numéro d'engagement.
_NAMED_AS = {Role.MOA: NamedAs.MOA, Role.SERVICE_FINANCIER: NamedAs.DESTINATAIRE}


@dataclass(frozen=True, slots=True)
class _Case:
    """A route found for a pièce, with the directory's view of its recipient and of the pièce's MOA."""

    piece: PieceSnapshot
    field: str
    recipient: Structure
    moa: Structure | None

    @property
    def service(self) -> Service | None:
        return next((s for s in self.recipient.services if s.code == self.piece.code_service), None)

    def wording(self) -> dict[str, str]:
        who = f"{_LABELS[self.field][0]} {self.recipient.siret} ({self.recipient.nom})"
        return dict(who=who, code=self.piece.code_service or "")


# (code, fails when, detail): the first failing rule is the routing error.
_Rule = tuple[str, Callable[[_Case], bool], str]

_RECIPIENT: tuple[_Rule, ...] = (
    ("structure_inactive", lambda c: not c.recipient.active,
     "{who} : structure inactive dans l'annuaire ; indiquez une structure active ou faites-la réactiver"),
)  # fmt: skip

# The recipient here is the public structure owning the pièce's code service and numéro d'engagement.
_PARAMETERS: tuple[_Rule, ...] = (
    ("service_inconnu", lambda c: bool(c.piece.code_service) and c.service is None,
     "{who} n'a pas de service « {code} » ; indiquez un code service de cette structure"),
    ("service_inactif", lambda c: c.service is not None and not c.service.active,
     "{who} : service « {code} » inactif ; indiquez un service actif de cette structure"),
    ("code_service_obligatoire", lambda c: c.recipient.code_service_obligatoire and not c.piece.code_service,
     "{who} : code service obligatoire ; renseignez le code service de la pièce"),
    ("numero_engagement_obligatoire", lambda c: c.recipient.numero_engagement_obligatoire and not c.piece.numero_engagement,
     "{who} : numéro d'engagement obligatoire ; renseignez le numéro d'engagement de la pièce"),
    ("numero_engagement_obligatoire", lambda c: bool(c.service and c.service.numero_engagement_obligatoire) and not c.piece.numero_engagement,
     "{who} : numéro d'engagement obligatoire pour le service « {code} » ; renseignez le numéro d'engagement de la pièce"),
    ("engagement_ou_service_obligatoire", lambda c: c.recipient.engagement_ou_service_obligatoire and not (c.piece.code_service or c.piece.numero_engagement),
     "{who} : numéro d'engagement ou code service obligatoire ; renseignez l'un des deux"),
)  # fmt: skip

# Every code decide returns (the fournisseur is mandatory on a pièce: no fournisseur_absent).
ROUTING_ERROR_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        ("cadre_non_route", "moe_absent", "moa_absent", "destinataire_absent", "valideur_absent", "structure_inconnue",
         *(code for code, _, _ in _RECIPIENT), *NAMING_ERROR_CODES, *(code for code, _, _ in _PARAMETERS))
    )
)  # fmt: skip


def _recipient_siret(piece: PieceSnapshot, field: str, structures: Directory) -> str | None:
    """The pièce's SIRET for the recipient; a MOA « avec MOA » stands in for a missing destinataire."""
    siret = getattr(piece, field)
    if siret or field != "destinataire" or not piece.moa:
        return siret
    moa = structures(piece.moa)
    return piece.moa if moa and moa.presence_moa in OWN_DESTINATAIRE else None


def _first_error(case: _Case, rules: tuple[_Rule, ...]) -> RoutingError | None:
    for code, fails, detail in rules:
        if fails(case):
            return RoutingError(code, detail.format_map(case.wording()))
    return None


def _check(case: _Case, role: Role) -> RoutingError | None:
    """The recipient's first failing rule: active, then what its parameters let it be named as, then the
    parameters of the structure owning the code service."""
    error = _first_error(case, _RECIPIENT)
    if error is not None or role not in _NAMED_AS:
        return error
    refused = naming_error(_NAMED_AS[role], case.recipient, case.moa)
    if refused is not None:
        return RoutingError(refused.code, refused.detail)
    return _first_error(case, _PARAMETERS)


def decide(piece: PieceSnapshot, reason: SubmissionReason, structures: Directory) -> Route | RoutingError:
    table = _AFTER_VALIDATION if reason is SubmissionReason.VALIDATION else _ROUTES
    found = table.get(piece.cadre)
    if found is None:
        return RoutingError("cadre_non_route", f"aucune route définie pour le cadre {piece.cadre}")
    statut, role, field = found
    siret = _recipient_siret(piece, field, structures)
    if not siret:
        return RoutingError(
            f"{field}_absent",
            f"le cadre {piece.cadre} est mis à disposition {_LABELS[field][1]}, absent de la pièce : "
            f"indiquez son SIRET{_ABSENT_HINTS.get(field, '')}",
        )
    recipient = structures(siret)
    if recipient is None:
        return RoutingError(
            "structure_inconnue",
            f"{_LABELS[field][0]} {siret} (cadre {piece.cadre}) : SIRET inconnu de l'annuaire ; vérifiez le SIRET saisi",
        )
    error = _check(_Case(piece, field, recipient, structures(piece.moa) if piece.moa else None), role)
    return error or Route(statut, role, siret)
