"""Who receives a submitted pièce, and in which status. Pure: a function of the pièce and why it was
submitted. Structure parameters (présence MOA, code service / engagement obligatoire) join in with the
directory view (issue 4)."""

from dataclasses import dataclass

from contracts import Cadre, PieceSnapshot, Role, Statut, SubmissionReason

C, S = Cadre, Statut


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

_LABELS = {"moe": "la MOE", "moa": "la MOA", "fournisseur": "le fournisseur", "destinataire": "le destinataire",
           "valideur": "le valideur"}  # fmt: skip


def decide(piece: PieceSnapshot, reason: SubmissionReason = SubmissionReason.DEPOT) -> Route | RoutingError:
    table = _AFTER_VALIDATION if reason is SubmissionReason.VALIDATION else _ROUTES
    rule = table.get(piece.cadre)
    if rule is None:
        return RoutingError("cadre_non_route", f"aucune route définie pour le cadre {piece.cadre}")
    statut, role, field = rule
    siret = getattr(piece, field)
    if not siret:
        return RoutingError(
            f"{field}_absent", f"le cadre {piece.cadre} est mis à disposition de {_LABELS[field]}, absent de la pièce"
        )
    return Route(statut, role, siret)
