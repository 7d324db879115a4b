"""The works circuit as one explicit state machine (docs/domain.md §3, §4): who holds a pièce in
each status, which pièce may follow which, and which action moves a pièce from one status to another.

Pure: values in, values out. The use cases apply what these functions decide.
"""

from dataclasses import dataclass
from enum import StrEnum

from contracts import Cadre, Echeance, PieceSnapshot, Role, Statut, info
from deposit.domain.errors import Refusal, RefusalKind

S = Statut


class Action(StrEnum):
    REFUSER = "refuser"
    SUSPENDRE = "suspendre"
    COMPLETER = "completer"
    RECYCLER = "recycler"
    REJETER = "rejeter"
    TRAITER = "traiter"
    VALIDER = "valider"
    REFUSER_VALIDATION = "refuser_validation"


class Motif(StrEnum):
    """Refusal motifs (docs/domain.md §3.4). ERREUR_MONTANT exists only to be refused with an explanation."""

    MAUVAISE_MOE = "MAUVAISE_MOE"
    MAUVAISE_MOA = "MAUVAISE_MOA"
    MAUVAIS_VALIDEUR = "MAUVAIS_VALIDEUR"
    AUTRE = "AUTRE"
    ERREUR_MONTANT = "ERREUR_MONTANT"


# The issuer of a pièce (whoever deposited it) acts on its own pièce after a suspension or an error.
EMETTEUR = "EMETTEUR"

# Which party of the pièce holds it, per status: the actor expected to act next.
_HOLDER: dict[Statut, Role | str] = {
    S.MISE_A_DISPOSITION_MOE: Role.MOE,
    S.MISE_A_DISPOSITION_MOA: Role.MOA,
    S.MISE_A_DISPOSITION_FOURNISSEUR: Role.FOURNISSEUR,
    S.MISE_A_DISPOSITION_DESTINATAIRE: Role.SERVICE_FINANCIER,
    S.SERVICE_FAIT: Role.SERVICE_FINANCIER,
    S.MANDATEE: Role.SERVICE_FINANCIER,
    S.A_VALIDER_1: Role.VALIDEUR,
    S.SUSPENDUE: EMETTEUR,
    S.A_RECYCLER: EMETTEUR,
    S.ERREUR_ACHEMINEMENT: EMETTEUR,
    S.REFUSEE_MOA: EMETTEUR,
}

# Statuses in which a pièce waits for routing's decision.
AWAITING_ROUTING = frozenset(
    {S.DEPOSEE, S.COMPLETEE, S.EN_COURS_ACHEMINEMENT, S.VALIDEE_1, S.REFUSEE_1, S.ABSENCE_VALIDATION_1_HORS_DELAI}
)

# The pièce's field naming the structure that plays each role.
_PARTY_FIELD: dict[Role, str] = {
    Role.FOURNISSEUR: "fournisseur",
    Role.SOUS_TRAITANT: "fournisseur",
    Role.COTRAITANT: "fournisseur",
    Role.VALIDEUR: "valideur",
    Role.MOE: "moe",
    Role.MOA: "moa",
    Role.SERVICE_FINANCIER: "destinataire",
}


def party_field(role: Role) -> str:
    return _PARTY_FIELD[role]


def issuer_role(cadre: Cadre) -> Role:
    return info(cadre).deposant


def holder(piece: PieceSnapshot) -> tuple[Role, str | None] | None:
    """(role, SIRET) of the actor expected to act on the pièce now, or None when nobody is."""
    role = _HOLDER.get(piece.statut)
    if role is None:
        return None
    if role == EMETTEUR:
        role = issuer_role(piece.cadre)
    return role, getattr(piece, _PARTY_FIELD[role])


# ---- Association: which cadre may follow which ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Follow:
    """``next`` may be filed on a pièce of cadre ``previous`` while it is in status ``when``."""

    previous: Cadre
    next: Cadre
    when: Statut
    tacit: Echeance | None = None  # a tacit procedure: only once this deadline was reached

    @property
    def previous_becomes(self) -> Statut:
        return S.REMPLACEE_PAR_A22 if self.next is Cadre.A22 else S.ASSOCIEE


C = Cadre
# fmt: off
FOLLOWS: tuple[Follow, ...] = (
    # en cours de marché: the MOE files the état d'acompte (A15), or the validated one when the MOA is absent (A16)
    *(Follow(p, n, S.MISE_A_DISPOSITION_MOE) for p in (C.A4, C.A10, C.A13) for n in (C.A15, C.A16)),
    # the MOA validates the état d'acompte (A19), whether the MOE (A15) or, in the reduced process, the fournisseur (A5) filed it
    Follow(C.A15, C.A19, S.MISE_A_DISPOSITION_MOA),
    Follow(C.A5, C.A19, S.MISE_A_DISPOSITION_MOA),
    # fin de marché: projet de décompte général (A17), or the décompte général when the MOA is absent (A18)
    *(Follow(p, n, S.MISE_A_DISPOSITION_MOE) for p in (C.A7, C.A14) for n in (C.A17, C.A18)),
    Follow(C.A17, C.A20, S.MISE_A_DISPOSITION_MOA),
    # the fournisseur returns the décompte général signed (A8)
    Follow(C.A20, C.A8, S.MISE_A_DISPOSITION_FOURNISSEUR),
    Follow(C.A18, C.A8, S.MISE_A_DISPOSITION_FOURNISSEUR),
    # tacit procedures (CCAG 12.4.4 / 12.4.5)
    Follow(C.A7, C.A22, S.MISE_A_DISPOSITION_MOE, Echeance.DG_NON_NOTIFIE),
    Follow(C.A17, C.A22, S.MISE_A_DISPOSITION_MOA, Echeance.DG_NON_NOTIFIE),
    Follow(C.A22, C.A20, S.MISE_A_DISPOSITION_MOA),
    Follow(C.A22, C.A23, S.MISE_A_DISPOSITION_MOA, Echeance.A22_SANS_REPONSE),
    Follow(C.A20, C.A25, S.MISE_A_DISPOSITION_FOURNISSEUR, Echeance.DG_NON_RETOURNE),
    Follow(C.A18, C.A24, S.MISE_A_DISPOSITION_FOURNISSEUR, Echeance.DG_NON_RETOURNE),
)
# fmt: on
_FOLLOWS = {(f.previous, f.next): f for f in FOLLOWS}


def next_cadres(previous: Cadre) -> list[Cadre]:
    return [f.next for f in FOLLOWS if f.previous is previous]


def tacit_deadline_reached(rule: Follow, reached: frozenset[Echeance]) -> bool:
    """Whether the tacit procedure ``rule`` opens is open: its deadline was reached (routing publishes it)."""
    return rule.tacit is None or rule.tacit in reached


def check_follow(previous: PieceSnapshot, next_cadre: Cadre, reached: frozenset[Echeance]) -> Follow:
    """The rule that lets ``next_cadre`` follow ``previous``, or the refusal that says why not."""
    rule = _FOLLOWS.get((previous.cadre, next_cadre))
    if rule is None:
        allowed = ", ".join(next_cadres(previous.cadre)) or "aucun"
        raise Refusal(
            "cadre_suivant_interdit",
            "Cadre non autorisé après cette pièce",
            f"Un {next_cadre} ne peut pas suivre un {previous.cadre} ; cadres possibles : {allowed}.",
        )
    if previous.statut in (S.ASSOCIEE, S.REMPLACEE_PAR_A22):
        raise Refusal(
            "piece_precedente_deja_suivie",
            "Pièce précédente déjà suivie",
            f"La pièce {previous.piece_id} a déjà une pièce suivante.",
            RefusalKind.CONFLICT,
        )
    if previous.statut is not rule.when:
        raise Refusal(
            "piece_precedente_indisponible",
            "Pièce précédente pas disponible pour une pièce suivante",
            f"La pièce {previous.piece_id} est au statut {previous.statut} ; un {next_cadre} se dépose sur un "
            f"{previous.cadre} au statut {rule.when}.",
            RefusalKind.CONFLICT,
        )
    if not tacit_deadline_reached(rule, reached):
        raise Refusal(
            "delai_non_echu",
            "Procédure tacite pas encore ouverte",
            f"Le {next_cadre} ({info(next_cadre).libelle}) n'est possible qu'une fois le délai "
            f"{rule.tacit} échu sur la pièce {previous.piece_id}.",
            RefusalKind.CONFLICT,
        )
    return rule


# ---- Actions ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    origins: frozenset[Statut]
    actor: Role | str  # a role, or EMETTEUR
    target: Statut
    cadres: frozenset[Cadre] | None = None  # None: every cadre
    motifs: frozenset[Motif] | None = None  # None: a free-text motif, required when ``motif_required``
    motif_required: bool = False
    resubmit: bool = False  # the pièce goes back to routing

    def applies_to(self, piece: PieceSnapshot) -> bool:
        return piece.statut in self.origins and (self.cadres is None or piece.cadre in self.cadres)


_ROUTING_MOTIFS = frozenset({Motif.MAUVAISE_MOE, Motif.MAUVAISE_MOA, Motif.MAUVAIS_VALIDEUR})
_ETATS_ACOMPTE = frozenset({C.A5, C.A15})
_DECOMPTES_GENERAUX = frozenset({C.A18, C.A20})
_PAYABLES = frozenset({S.MISE_A_DISPOSITION_DESTINATAIRE})


def _t(action, origins, actor, target, **kw) -> Transition:
    return Transition(action, frozenset(origins), actor, target, **kw)


A = Action
# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # refusals, for routing-data errors only; a MOE refusal ends the circuit
    _t(A.REFUSER, {S.MISE_A_DISPOSITION_MOE}, Role.MOE, S.REFUSEE_MOE, motifs=_ROUTING_MOTIFS, motif_required=True),
    _t(A.REFUSER, {S.MISE_A_DISPOSITION_MOA}, Role.MOA, S.REFUSEE_MOA, motifs=_ROUTING_MOTIFS, motif_required=True),
    _t(A.REFUSER, {S.MISE_A_DISPOSITION_FOURNISSEUR}, Role.FOURNISSEUR, S.REFUSEE_FOURNISSEUR,
       cadres=_DECOMPTES_GENERAUX, motifs=frozenset({Motif.AUTRE}), motif_required=True),
    # suspension for missing attachments, then completion by the issuer
    _t(A.SUSPENDRE, {S.MISE_A_DISPOSITION_MOA}, Role.MOA, S.SUSPENDUE, cadres=_ETATS_ACOMPTE, motif_required=True),
    _t(A.SUSPENDRE, _PAYABLES, Role.SERVICE_FINANCIER, S.SUSPENDUE, motif_required=True),
    _t(A.COMPLETER, {S.SUSPENDUE}, EMETTEUR, S.COMPLETEE, resubmit=True),
    # recycling: the issuer changes routing data and the pièce is routed again
    _t(A.RECYCLER, {S.ERREUR_ACHEMINEMENT, S.A_RECYCLER, S.REFUSEE_MOA}, EMETTEUR, S.EN_COURS_ACHEMINEMENT, resubmit=True),
    # the service financier
    _t(A.REJETER, {S.MISE_A_DISPOSITION_DESTINATAIRE, S.SERVICE_FAIT}, Role.SERVICE_FINANCIER, S.REJETEE, motif_required=True),
    _t(A.TRAITER, _PAYABLES, Role.SERVICE_FINANCIER, S.A_RECYCLER, motif_required=True),
    _t(A.TRAITER, _PAYABLES, Role.SERVICE_FINANCIER, S.SERVICE_FAIT),
    _t(A.TRAITER, {S.SERVICE_FAIT}, Role.SERVICE_FINANCIER, S.MANDATEE),
    _t(A.TRAITER, {S.MANDATEE}, Role.SERVICE_FINANCIER, S.MISE_EN_PAIEMENT),
    # validation by the titulaire (A10) or the mandataire (A13, A14); A10 goes to the MOE in every case
    _t(A.VALIDER, {S.A_VALIDER_1}, Role.VALIDEUR, S.VALIDEE_1, resubmit=True),
    _t(A.REFUSER_VALIDATION, {S.A_VALIDER_1}, Role.VALIDEUR, S.REFUSEE_1, cadres=frozenset({C.A10}), motif_required=True, resubmit=True),
    _t(A.REFUSER_VALIDATION, {S.A_VALIDER_1}, Role.VALIDEUR, S.REFUSEE_1, cadres=frozenset({C.A13, C.A14}), motif_required=True),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Lapse:
    """A deadline that moves the pièce by itself: from ``origin`` to ``target`` when ``echeance`` is reached."""

    echeance: Echeance
    origin: Statut
    target: Statut
    comment: str
    resubmit: bool


# The titulaire's silence for 15 days is a tacit acceptance: the A10 goes on to the MOE (docs/domain.md §6.2).
LAPSES: dict[Echeance, Lapse] = {
    Echeance.VALIDATION_HORS_DELAI: Lapse(
        Echeance.VALIDATION_HORS_DELAI,
        S.A_VALIDER_1,
        S.ABSENCE_VALIDATION_1_HORS_DELAI,
        "Pas de réponse du titulaire dans les 15 jours : acceptation tacite, transmise à la MOE.",
        resubmit=True,
    ),
}


def lapse_for(piece: PieceSnapshot, echeance: Echeance) -> Lapse | None:
    """The change a reached deadline makes to the pièce, or None (it only opens a tacit procedure, or the
    pièce moved on before it was reached)."""
    lapse = LAPSES.get(echeance)
    return lapse if lapse is not None and piece.statut is lapse.origin else None


# Statuses ``traiter`` may set, in the order the service financier sets them.
TRAITEMENT_STATUTS = (S.SERVICE_FAIT, S.MANDATEE, S.MISE_EN_PAIEMENT, S.A_RECYCLER)


def actor_role(transition: Transition, piece: PieceSnapshot) -> Role:
    return issuer_role(piece.cadre) if transition.actor == EMETTEUR else transition.actor  # type: ignore[return-value]


def allowed_actions(piece: PieceSnapshot) -> list[dict[str, str]]:
    """Every action possible on the pièce now, with who may take it (the body of a 409)."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for t in TRANSITIONS:
        if t.applies_to(piece):
            role = actor_role(t, piece)
            entry = {"action": t.action.value, "role": role.value}
            if t.action is A.TRAITER:
                entry["statut"] = t.target.value
            seen[tuple(sorted(entry.items()))] = entry  # type: ignore[index]
    return list(seen.values())


def transition_for(piece: PieceSnapshot, action: Action, target: Statut | None = None) -> Transition:
    """The transition ``action`` takes from the pièce's status, or a 409 listing what is possible."""
    for t in TRANSITIONS:
        if t.action is action and t.applies_to(piece) and (target is None or t.target is target):
            return t
    possible = allowed_actions(piece)
    described = ", ".join(f"{a['action']}{'→' + a['statut'] if 'statut' in a else ''} ({a['role']})" for a in possible)
    what = f"{action.value}{' → ' + target.value if target else ''}"
    raise Refusal(
        "action_impossible",
        "Action impossible dans ce statut",
        f"« {what} » n'est pas possible sur un {piece.cadre} au statut {piece.statut} ; "
        f"actions possibles : {described or 'aucune'}.",
        RefusalKind.CONFLICT,
        extensions={"actions_possibles": possible},
    )


def check_motif(transition: Transition, motif: str | None, commentaire: str | None = None) -> str | None:
    if transition.action is A.REFUSER and motif == Motif.ERREUR_MONTANT:
        raise Refusal(
            "refus_montant_interdit",
            "Refus pour erreur de montant impossible",
            "Une différence de montant n'est pas un motif de refus : corrigez les montants dans votre propre "
            "pièce (état d'acompte ou décompte) et déposez-la sur cette pièce.",
        )
    if transition.motif_required and not motif:
        raise Refusal("motif_requis", "Motif requis", f"L'action {transition.action} exige un motif.")
    if transition.motifs is not None and motif not in transition.motifs:
        allowed = ", ".join(sorted(transition.motifs))
        raise Refusal(
            "motif_invalide",
            "Motif non autorisé",
            f"Motif « {motif} » non autorisé ici ; motifs possibles : {allowed}.",
        )
    if motif == Motif.AUTRE and not commentaire:
        raise Refusal("commentaire_requis", "Commentaire requis", "Le motif AUTRE s'explique dans « commentaire ».")
    return motif


# ---- Calls to action, generated from the tables above -------------------------------------------------

_ACTION_VERBS = {
    A.REFUSER: "la refuser pour erreur de données d'acheminement",
    A.SUSPENDRE: "la suspendre s'il manque des pièces jointes",
    A.COMPLETER: "la compléter avec les pièces jointes demandées",
    A.RECYCLER: "la recycler en corrigeant les données d'acheminement",
    A.REJETER: "la rejeter en dernier recours",
    A.TRAITER: "la traiter (service fait, mandatement, mise en paiement)",
    A.VALIDER: "la valider",
    A.REFUSER_VALIDATION: "refuser de la valider",
}


# What each following cadre is, as a call to action names it.
_NEXT_PIECE_NAMES = {
    C.A8: "le décompte général signé",
    C.A15: "l'état d'acompte",
    C.A16: "l'état d'acompte validé",
    C.A17: "le projet de décompte général",
    C.A18: "le décompte général",
    C.A19: "l'état d'acompte validé",
    C.A20: "le décompte général",
    C.A22: "le projet de décompte général (procédure tacite)",
    C.A23: "le décompte général et définitif tacite",
    C.A24: "le décompte général et définitif tacite",
    C.A25: "le décompte général et définitif tacite",
}


def call_to_action(piece: PieceSnapshot) -> str | None:
    """What the holder of the pièce is expected to do, in French, or None when nothing is expected."""
    if holder(piece) is None:
        return None
    parts = []
    follows = [f.next for f in FOLLOWS if f.previous is piece.cadre and f.when is piece.statut and f.tacit is None]
    if follows:
        parts.append("déposer " + " ou ".join(f"{_NEXT_PIECE_NAMES[c]} ({c})" for c in follows) + " sur cette pièce")
    actions = []
    for t in TRANSITIONS:
        if t.applies_to(piece) and t.action not in actions:
            actions.append(t.action)
    parts += [_ACTION_VERBS[a] for a in actions]
    if not parts:
        return None
    text = ", ou ".join(parts)
    return text[0].upper() + text[1:] + "."
