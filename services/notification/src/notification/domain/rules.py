"""Who gets which e-mail for a status change: one explicit table, pure functions (docs/domain.md §9: Chorus
Pro's notifications, and §5.5 for a hidden mise en paiement).

Each rule says when it applies, to whom, and with which template. Rules are read in order and a
structure gets one mail per event: the first rule naming it wins (a structure that must act and is
also a party gets the call to action, not the information).

| rule | when | who | template |
|---|---|---|---|
| returned to its issuer | refused, suspended, to recycle, routing error, rejected | the issuer | ``RETOUR`` (with the motif) |
| action expected | someone must act | that actor (the titulaire of an A10: with its 15 days) | ``ACTION_ATTENDUE`` |
| mise en paiement | the payment was issued | the fournisseur, unless the destinataire hid the status | ``MISE_EN_PAIEMENT`` |
| mise en paiement | the payment was issued | the MOE and the MOA (the hiding concerns the fournisseur only) | ``MISE_EN_PAIEMENT`` |
| dossier enriched | a MOE or a MOA deposited a pièce | the other parties (not the depositor) | ``DOSSIER_ENRICHI`` |
| information | someone must act | the other parties | ``INFORMATION`` |

Legal deadlines (``DEADLINE_RULES``): the titulaire and sous-traitant when an A10 was accepted by silence;
the fournisseur (and the MOA) when a tacit procedure opens for it (A22, A23); the MOA, else the MOE, when
the décompte général was not returned (A25, A24); the fournisseur and the payer when the délai de
paiement ran out, and again with the penalties once paid (the payer alone when the destinataire hid the
mise en paiement: the penalties are computed at the payment, they would reveal it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from contracts import Echeance, PieceSnapshot, PieceStatusChanged, Role, Statut, Structure, info

S = Statut


class Template(StrEnum):
    ACTION_ATTENDUE = "action_attendue"  # the actor who must act now
    RETOUR = "retour"  # the issuer, whose pièce came back (motif, what to do)
    MISE_EN_PAIEMENT = "mise_en_paiement"  # the fournisseur: the payment was issued
    DOSSIER_ENRICHI = "dossier_enrichi"  # the parties: a MOE or MOA added a pièce
    ECHEANCE = "echeance"  # a legal deadline reached, or the penalties of a late payment
    INFORMATION = "information"  # the other parties of the dossier


@dataclass(frozen=True, slots=True)
class PlannedMail:
    role: Role
    siret: str
    template: Template


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules know besides the event: whether the destinataire hid the mise en paiement from the
    fournisseur (recorded by deposit at the change, carried by the event)."""

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


def _moe_and_moa(event: PieceStatusChanged) -> list[tuple[Role, str]]:
    piece = event.piece
    return [(role, siret) for role, siret in ((Role.MOE, piece.moe), (Role.MOA, piece.moa)) if siret]


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
    Rule("mise_en_paiement", lambda e, c: e.statut is S.MISE_EN_PAIEMENT, _moe_and_moa, Template.MISE_EN_PAIEMENT),
    Rule(
        "dossier_enrichi",
        lambda e, c: e.statut is S.DEPOSEE and info(e.piece.cadre).deposant in _ENRICHING,
        _others_than_issuer,
        Template.DOSSIER_ENRICHI,
    ),
    Rule("information", lambda e, c: e.expected_action is not None, parties, Template.INFORMATION),
)


# ---- legal deadlines (routing publishes them on travaux.deadlines) -----------------------------------

PENALITES = "PENALITES"  # the penalties of a dossier put in payment late (LatePaymentPenalties)


def _payer(piece: PieceSnapshot) -> list[tuple[Role, str]]:
    siret = piece.destinataire or piece.moa
    return [(Role.SERVICE_FINANCIER if piece.destinataire else Role.MOA, siret)] if siret else []


def _moa_else_moe(piece: PieceSnapshot) -> list[tuple[Role, str]]:
    return [(Role.MOA, piece.moa)] if piece.moa else ([(Role.MOE, piece.moe)] if piece.moe else [])


def _titulaire_and_sous_traitant(piece: PieceSnapshot) -> list[tuple[Role, str]]:
    found = [(Role.SOUS_TRAITANT, piece.fournisseur)]
    return found + ([(Role.VALIDEUR, piece.valideur)] if piece.valideur else [])


def _fournisseur_and_moa(piece: PieceSnapshot) -> list[tuple[Role, str]]:
    return [(Role.FOURNISSEUR, piece.fournisseur)] + ([(Role.MOA, piece.moa)] if piece.moa else [])


# echeance → who is told, and what it means for them (the mail's headline)
DEADLINE_RULES: dict[str, tuple[Callable[[PieceSnapshot], list[tuple[Role, str]]], str]] = {
    Echeance.VALIDATION_HORS_DELAI: (
        _titulaire_and_sous_traitant,
        "Le titulaire n'a pas répondu dans les 15 jours : la demande de paiement est réputée acceptée et "
        "transmise à la maîtrise d'œuvre.",
    ),
    Echeance.DG_NON_NOTIFIE: (
        _fournisseur_and_moa,
        "Le décompte général n'a pas été notifié dans les 30 jours : le fournisseur peut déposer son projet "
        "de décompte général (A22).",
    ),
    Echeance.A22_SANS_REPONSE: (
        _fournisseur_and_moa,
        "Pas de décompte général 10 jours après le projet de décompte général du fournisseur : le fournisseur "
        "peut déposer le décompte général et définitif tacite (A23).",
    ),
    Echeance.DG_NON_RETOURNE: (
        _moa_else_moe,
        "Le décompte général n'a pas été retourné signé dans les 30 jours : le décompte général et définitif "
        "tacite peut être déposé (A25 par la MOA, A24 par la MOE sans MOA).",
    ),
    Echeance.DELAI_PAIEMENT_DEPASSE: (
        lambda piece: [(Role.FOURNISSEUR, piece.fournisseur), *_payer(piece)],
        "Le délai global de paiement est dépassé : des intérêts moratoires et une indemnité forfaitaire de "
        "40 € sont dus au fournisseur.",
    ),
    PENALITES: (
        lambda piece: [(Role.FOURNISSEUR, piece.fournisseur), *_payer(piece)],
        "La demande de paiement a été mise en paiement après son échéance : voici les intérêts moratoires et "
        "l'indemnité forfaitaire dus, à payer dans les 45 jours.",
    ),
}


def plan_deadline(echeance: str, piece: PieceSnapshot, context: Context = Context()) -> list[PlannedMail]:
    """Who is told that ``echeance`` was reached on ``piece`` (one mail per structure); not the fournisseur
    about the penalties of a mise en paiement hidden from it."""
    audience, _ = DEADLINE_RULES[echeance]
    hidden = {piece.fournisseur} if echeance == PENALITES and context.mise_en_paiement_masquee else set()
    mails, seen = [], set(hidden)
    for role, siret in audience(piece):
        if siret and siret not in seen:
            seen.add(siret)
            mails.append(PlannedMail(role, siret, Template.ECHEANCE))
    return mails


def deadline_headline(echeance: str) -> str:
    return DEADLINE_RULES[echeance][1]


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
