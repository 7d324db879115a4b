"""Who gets which e-mail for a status change: one explicit table, pure functions."""

from dataclasses import dataclass
from enum import StrEnum

from contracts import PieceStatusChanged, Role


class Template(StrEnum):
    ACTION_ATTENDUE = "action_attendue"  # the actor who must act now
    INFORMATION = "information"  # the other parties of the dossier


@dataclass(frozen=True, slots=True)
class PlannedMail:
    role: Role
    siret: str
    template: Template


def parties(event: PieceStatusChanged) -> list[tuple[Role, str]]:
    piece = event.piece
    found = [(Role.FOURNISSEUR, piece.fournisseur), (Role.MOE, piece.moe), (Role.MOA, piece.moa)]
    if piece.destinataire:
        found.append((Role.SERVICE_FINANCIER, piece.destinataire))
    return [(role, siret) for role, siret in found if siret]


def plan(event: PieceStatusChanged) -> list[PlannedMail]:
    """An action expected of someone: that actor is called to act, every other party is informed.

    A structure playing two roles gets one mail (the call to action wins)."""
    expected = event.expected_action
    if expected is None:
        return []
    mails = [PlannedMail(expected.role, expected.siret, Template.ACTION_ATTENDUE)]
    seen = {expected.siret}
    for role, siret in parties(event):
        if siret not in seen:
            seen.add(siret)
            mails.append(PlannedMail(role, siret, Template.INFORMATION))
    return mails
