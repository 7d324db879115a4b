"""The circuit's state machine and association table: pure, no I/O (access rules: libs/readmodel)."""

import pytest

from contracts import Echeance, Role, Statut
from deposit.domain import circuit
from deposit.domain.circuit import FOLLOWS, TRANSITIONS, Action, check_follow, check_motif, transition_for
from deposit.domain.errors import Refusal, RefusalKind
from tests.support.snapshots import DESTINATAIRE, FOURNISSEUR, MOA, MOE, VALIDEUR, snapshot

S = Statut


# ---- association ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", FOLLOWS, ids=lambda f: f"{f.previous}->{f.next}")
def test_each_following_cadre_is_accepted_on_its_previous_piece_in_the_right_status(rule):
    previous = snapshot(rule.previous, rule.when)
    reached = frozenset({rule.tacit}) if rule.tacit else frozenset()
    assert check_follow(previous, rule.next, reached) == rule
    expected = S.REMPLACEE_PAR_A22 if rule.next == "A22" else S.ASSOCIEE
    assert rule.previous_becomes is expected


@pytest.mark.parametrize("rule", FOLLOWS, ids=lambda f: f"{f.previous}->{f.next}")
def test_a_following_piece_needs_its_previous_piece_made_available_to_its_depositor(rule):
    for other in (S.DEPOSEE, S.REFUSEE_MOE, S.SUSPENDUE, S.MISE_EN_PAIEMENT):
        with pytest.raises(Refusal) as refused:
            check_follow(snapshot(rule.previous, other), rule.next, frozenset(Echeance))
        assert refused.value.code == "piece_precedente_indisponible" and refused.value.kind is RefusalKind.CONFLICT


@pytest.mark.parametrize("statut", [S.ASSOCIEE, S.REMPLACEE_PAR_A22])
def test_a_piece_is_followed_once(statut):
    with pytest.raises(Refusal) as refused:
        check_follow(snapshot("A4", statut), circuit.Cadre.A15, frozenset())
    assert refused.value.code == "piece_precedente_deja_suivie" and refused.value.kind is RefusalKind.CONFLICT


@pytest.mark.parametrize(
    "previous, wrong",
    [("A4", "A19"), ("A4", "A17"), ("A15", "A16"), ("A7", "A15"), ("A20", "A19"), ("A17", "A8"), ("A19", "A15")],
)
def test_a_cadre_not_allowed_after_the_previous_one_is_refused_with_the_allowed_ones(previous, wrong):
    with pytest.raises(Refusal) as refused:
        check_follow(snapshot(previous, S.MISE_A_DISPOSITION_MOE), circuit.Cadre(wrong), frozenset(Echeance))
    assert refused.value.code == "cadre_suivant_interdit" and wrong in refused.value.detail
    for allowed in circuit.next_cadres(circuit.Cadre(previous)):
        assert allowed in refused.value.detail


@pytest.mark.parametrize("rule", [f for f in FOLLOWS if f.tacit], ids=lambda f: f"{f.previous}->{f.next}")
def test_tacit_procedures_open_only_once_their_deadline_is_reached(rule):
    with pytest.raises(Refusal) as refused:
        check_follow(snapshot(rule.previous, rule.when), rule.next, frozenset(set(Echeance) - {rule.tacit}))
    assert refused.value.code == "delai_non_echu" and rule.next in refused.value.detail


# ---- actions --------------------------------------------------------------------------------------


def _origin_cases():
    for t in TRANSITIONS:
        for origin in sorted(t.origins):
            cadres = sorted(t.cadres) if t.cadres else ["A19" if "DESTINATAIRE" in origin else "A4"]
            yield pytest.param(t, origin, cadres[0], id=f"{t.action}:{origin}:{cadres[0]}->{t.target}")


@pytest.mark.parametrize("transition, origin, cadre", list(_origin_cases()))
def test_each_transition_of_the_state_machine(transition, origin, cadre):
    piece = snapshot(cadre, origin)
    target = transition.target if transition.action is Action.TRAITER else None
    assert transition_for(piece, transition.action, target) == transition


@pytest.mark.parametrize(
    "cadre, statut, action, target",
    [
        ("A4", S.DEPOSEE, Action.REFUSER, None),
        ("A4", S.REFUSEE_MOE, Action.RECYCLER, None),  # a MOE refusal ends the circuit
        ("A19", S.REJETEE, Action.TRAITER, S.SERVICE_FAIT),  # rejection is terminal
        ("A19", S.MISE_A_DISPOSITION_DESTINATAIRE, Action.TRAITER, S.MANDATEE),  # in order
        ("A19", S.MISE_A_DISPOSITION_DESTINATAIRE, Action.TRAITER, S.MISE_EN_PAIEMENT),
        ("A19", S.SERVICE_FAIT, Action.TRAITER, S.MISE_EN_PAIEMENT),
        ("A19", S.MISE_EN_PAIEMENT, Action.SUSPENDRE, None),
        ("A4", S.MISE_A_DISPOSITION_MOE, Action.SUSPENDRE, None),  # the MOE does not suspend
        ("A19", S.MISE_A_DISPOSITION_MOA, Action.SUSPENDRE, None),  # the MOA suspends only an état d'acompte
        ("A17", S.MISE_A_DISPOSITION_FOURNISSEUR, Action.REFUSER, None),  # fournisseur refuses only a DG
        ("A13", S.REFUSEE_1, Action.VALIDER, None),
        ("A4", S.ASSOCIEE, Action.COMPLETER, None),
    ],
)
def test_anything_else_is_a_409_listing_the_allowed_actions(cadre, statut, action, target):
    piece = snapshot(cadre, statut)
    with pytest.raises(Refusal) as refused:
        transition_for(piece, action, target)
    assert refused.value.code == "action_impossible" and refused.value.kind is RefusalKind.CONFLICT
    assert refused.value.extensions["actions_possibles"] == circuit.allowed_actions(piece)


def test_the_allowed_actions_name_who_takes_them():
    allowed = circuit.allowed_actions(snapshot("A19", S.MISE_A_DISPOSITION_DESTINATAIRE))
    assert {"action": "traiter", "role": "SERVICE_FINANCIER", "statut": "SERVICE_FAIT"} in allowed
    assert {"action": "suspendre", "role": "SERVICE_FINANCIER"} in allowed
    assert {"action": "rejeter", "role": "SERVICE_FINANCIER"} in allowed
    assert circuit.allowed_actions(snapshot("A4", S.REFUSEE_MOE)) == []


def _refusal(cadre="A4", statut=S.MISE_A_DISPOSITION_MOE):
    return transition_for(snapshot(cadre, statut), Action.REFUSER)


def test_a_refusal_for_an_amount_error_tells_the_actor_to_correct_its_own_piece():
    with pytest.raises(Refusal) as refused:
        check_motif(_refusal(), "ERREUR_MONTANT")
    assert refused.value.code == "refus_montant_interdit" and "corrigez les montants" in refused.value.detail


def test_refusal_motifs():
    assert check_motif(_refusal(), "MAUVAISE_MOE") == "MAUVAISE_MOE"
    assert check_motif(_refusal("A15", S.MISE_A_DISPOSITION_MOA), "MAUVAISE_MOA") == "MAUVAISE_MOA"
    with pytest.raises(Refusal) as refused:
        check_motif(_refusal(), "AUTRE")
    assert refused.value.code == "motif_invalide"
    with pytest.raises(Refusal) as refused:
        check_motif(_refusal(), None)
    assert refused.value.code == "motif_requis"
    with pytest.raises(Refusal) as refused:
        check_motif(_refusal("A20", S.MISE_A_DISPOSITION_FOURNISSEUR), "AUTRE")
    assert refused.value.code == "commentaire_requis"
    assert check_motif(_refusal("A20", S.MISE_A_DISPOSITION_FOURNISSEUR), "AUTRE", "réserves") == "AUTRE"


def test_a_refused_validation_goes_on_to_the_moe_for_a10_and_stops_a13():
    a10 = transition_for(snapshot("A10", S.A_VALIDER_1), Action.REFUSER_VALIDATION)
    a13 = transition_for(snapshot("A13", S.A_VALIDER_1), Action.REFUSER_VALIDATION)
    assert a10.target is a13.target is S.REFUSEE_1
    assert a10.resubmit and not a13.resubmit


@pytest.mark.parametrize(
    "cadre, statut, role, siret",
    [
        ("A4", S.MISE_A_DISPOSITION_MOE, Role.MOE, MOE),
        ("A15", S.MISE_A_DISPOSITION_MOA, Role.MOA, MOA),
        ("A20", S.MISE_A_DISPOSITION_FOURNISSEUR, Role.FOURNISSEUR, FOURNISSEUR),
        ("A19", S.MISE_A_DISPOSITION_DESTINATAIRE, Role.SERVICE_FINANCIER, DESTINATAIRE),
        ("A19", S.MANDATEE, Role.SERVICE_FINANCIER, DESTINATAIRE),
        ("A10", S.A_VALIDER_1, Role.VALIDEUR, VALIDEUR),
        ("A15", S.SUSPENDUE, Role.MOE, MOE),  # the issuer completes
        ("A19", S.A_RECYCLER, Role.MOA, MOA),
        ("A4", S.ERREUR_ACHEMINEMENT, Role.FOURNISSEUR, FOURNISSEUR),
        ("A10", S.ERREUR_ACHEMINEMENT, Role.SOUS_TRAITANT, FOURNISSEUR),
    ],
)
def test_who_holds_a_piece_in_each_status(cadre, statut, role, siret):
    assert circuit.holder(snapshot(cadre, statut)) == (role, siret)
    assert circuit.call_to_action(snapshot(cadre, statut))


@pytest.mark.parametrize("statut", [S.DEPOSEE, S.ASSOCIEE, S.REJETEE, S.MISE_EN_PAIEMENT, S.REFUSEE_MOE])
def test_nobody_is_expected_to_act_in_waiting_or_final_statuses(statut):
    assert circuit.holder(snapshot("A4", statut)) is None and circuit.call_to_action(snapshot("A4", statut)) is None


# ---- délai global de paiement ------------------------------------------------------------------------
