"""Who gets which e-mail for a status change: one explicit table, pure functions (issue 5, seed 002 §
notifications, domain-reference §1.4, §1.5).

Each rule says when it applies, to whom, and with which template. Rules are read in order and a
structure gets one mail per event: the first rule naming it wins (a structure that must act and is
also a party gets the call to action, not the information).

| rule | when | who | template |
|---|---|---|---|
| returned to its issuer | refused, suspended, to recycle, routing error, rejected | the issuer | ``RETOUR`` (with the motif) |
| action expected | someone must act | that actor (the titulaire of an A10: with its 15 days) | ``ACTION_ATTENDUE`` |
| mise en paiement | the payment was issued | the fournisseur, unless the destinataire hides the status | ``MISE_EN_PAIEMENT`` |
| dossier enriched | a MOE or a MOA deposited a pièce | the other parties (not the depositor) | ``DOSSIER_ENRICHI`` |
| information | someone must act | the other parties | ``INFORMATION`` |
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from contracts import PieceStatusChanged, Role, Statut, Structure, info

S = Statut


class Template(StrEnum):
    ACTION_ATTENDUE = "action_attendue"  # the actor who must act now
    RETOUR = "retour"  # the issuer, whose pièce came back (motif, what to do)
    MISE_EN_PAIEMENT = "mise_en_paiement"  # the fournisseur: the payment was issued
    DOSSIER_ENRICHI = "dossier_enrichi"  # the parties: a MOE or MOA added a pièce
    INFORMATION = "information"  # the other parties of the dossier


@dataclass(frozen=True, slots=True)
class PlannedMail:
    role: Role
    siret: str
    template: Template


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules know besides the event: the destinataire's « mise en paiement » setting."""

    mise_en_paiement_masquee: bool = False


RETURNED = frozenset(
    {S.REFUSEE_MOE, S.REFUSEE_MOA, S.REFUSEE_FOURNISSEUR, S.REFUSEE_1, S.SUSPENDUE, S.A_RECYCLER,
     S.ERREUR_ACHEMINEMENT, S.REJETEE}
)  # fmt: skip
_ENRICHING = frozenset({Role.MOE, Role.MOA})


def parties(event: PieceStatusChanged) -> list[tuple[Role, str]]:
    piece = event.piece
    found = [
        (Role.FOURNISSEUR, piece.fournisseur),
        (Role.VALIDEUR, piece.valideur),
        (Role.MOE, piece.moe),
        (Role.MOA, piece.moa),
        (Role.SERVICE_FINANCIER, piece.destinataire),
    ]
    return [(role, siret) for role, siret in found if siret]


def issuer(event: PieceStatusChanged) -> list[tuple[Role, str]]:
    piece = event.piece
    role = info(piece.cadre).deposant
    siret = piece.emetteur or _party_of(event, role)
    return [(role, siret)] if siret else []


def _party_of(event: PieceStatusChanged, role: Role) -> str | None:
    field = {Role.MOE: "moe", Role.MOA: "moa", Role.SERVICE_FINANCIER: "destinataire"}.get(role, "fournisseur")
    return getattr(event.piece, field)


def _expected(event: PieceStatusChanged) -> list[tuple[Role, str]]:
    expected = event.expected_action
    return [(expected.role, expected.siret)] if expected else []


def _others_than_issuer(event: PieceStatusChanged) -> list[tuple[Role, str]]:
    depositor = {siret for _, siret in issuer(event)}
    return [(role, siret) for role, siret in parties(event) if siret not in depositor]


def _fournisseur(event: PieceStatusChanged) -> list[tuple[Role, str]]:
    return [(Role.FOURNISSEUR, event.piece.fournisseur)]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    applies: Callable[[PieceStatusChanged, Context], bool]
    audience: Callable[[PieceStatusChanged], list[tuple[Role, str]]]
    template: Template


RULES: tuple[Rule, ...] = (
    Rule("retour_emetteur", lambda e, c: e.statut in RETURNED, issuer, Template.RETOUR),
    Rule("action_attendue", lambda e, c: e.expected_action is not None, _expected, Template.ACTION_ATTENDUE),
    Rule(
        "mise_en_paiement",
        lambda e, c: e.statut is S.MISE_EN_PAIEMENT and not c.mise_en_paiement_masquee,
        _fournisseur,
        Template.MISE_EN_PAIEMENT,
    ),
    Rule(
        "dossier_enrichi",
        lambda e, c: e.statut is S.DEPOSEE and info(e.piece.cadre).deposant in _ENRICHING,
        _others_than_issuer,
        Template.DOSSIER_ENRICHI,
    ),
    Rule("information", lambda e, c: e.expected_action is not None, parties, Template.INFORMATION),
)


def recipients(structure: Structure, code_service: str | None) -> list[str]:
    """The addresses a structure's mail goes to: its users habilitated on the whole structure or on the
    pièce's service, else the structure's contact address."""
    found = sorted({c.email.lower() for c in structure.contacts if c.email and c.service in (None, code_service)})
    return found or [structure.email_contact]


def plan(event: PieceStatusChanged, context: Context = Context()) -> list[PlannedMail]:
    """Every mail the event calls for, one per structure (the first rule naming it wins)."""
    mails: list[PlannedMail] = []
    seen: set[str] = set()
    for rule in RULES:
        if not rule.applies(event, context):
            continue
        for role, siret in rule.audience(event):
            if siret not in seen:
                seen.add(siret)
                mails.append(PlannedMail(role, siret, rule.template))
    return mails
