"""Who receives a submitted pièce, and in which status. Pure: a function of the pièce alone for now;
structure parameters (présence MOA, code service / engagement) join in with the directory view."""

from dataclasses import dataclass

from contracts import Cadre, PieceSnapshot, Role, Statut


@dataclass(frozen=True, slots=True)
class Route:
    statut: Statut
    role: Role
    siret: str


@dataclass(frozen=True, slots=True)
class RoutingError:
    code: str
    detail: str


# cadre → (status on arrival, role of the recipient, the pièce's field naming that recipient)
_ROUTES: dict[Cadre, tuple[Statut, Role, str]] = {
    Cadre.A4: (Statut.MISE_A_DISPOSITION_MOE, Role.MOE, "moe"),
    Cadre.A7: (Statut.MISE_A_DISPOSITION_MOE, Role.MOE, "moe"),
}


def decide(piece: PieceSnapshot) -> Route | RoutingError:
    rule = _ROUTES.get(piece.cadre)
    if rule is None:
        return RoutingError("cadre_non_route", f"aucune route définie pour le cadre {piece.cadre}")
    statut, role, field = rule
    siret = getattr(piece, field)
    if not siret:
        return RoutingError(
            f"{field}_absente",
            f"le cadre {piece.cadre} est mis à disposition de la {field.upper()}, absente de la pièce",
        )
    return Route(statut, role, siret)
