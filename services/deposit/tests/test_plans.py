"""The deposit and action plans: pure functions of the request and of what was read, tested without fakes."""

import hashlib
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from contracts import (
    Cadre,
    Echeance,
    PieceStatusChanged,
    PieceSubmitted,
    Profil,
    Statut,
    Structure,
    SubmissionReason,
    info,
)
from deposit.domain.circuit import FOLLOWS, Action, party_field
from deposit.domain.errors import Refusal, RefusalKind
from deposit.settings import DepositSettings
from deposit.usecases.action_plan import ActionFacts, ActionRequest, plan_action, recycled_parties, recycling_updates
from deposit.usecases.commands import PieceInput, Upload
from deposit.usecases.deposit_plan import (
    DepositFacts,
    DepositRequest,
    dossier_parties,
    follow_change,
    numero_taken,
    plan_deposit,
    sirets_to_read,
)
from readmodel.access import Habilitation, Principal
from tests.support.snapshots import DESTINATAIRE, FOURNISSEUR, MOA, MOE, VALIDEUR, snapshot

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SETTINGS = DepositSettings()
PDF = b"%PDF-1.4\n%%EOF\n"
PUBLIC = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
KNOWN = {
    s: Structure(siret=s, nom=s, email_contact="contact@example.org", **extra)
    for s, extra in {
        FOURNISSEUR: {},
        VALIDEUR: {},
        MOE: {},
        MOA: {**PUBLIC, "presence_moa": "EXCLUSIVEMENT_MOA"},
        DESTINATAIRE: {**PUBLIC, "presence_moa": "SANS_MOA"},
    }.items()
}


def agent(siret: str, profil: Profil = Profil.MODIFICATION) -> Principal:
    return Principal(email=f"agent@{siret}.example", nom="Agent", habilitations=(Habilitation(siret, profil),))


def upload(content: bytes = PDF, filename: str = "pdm.pdf") -> Upload:
    digest = hashlib.sha256(content).hexdigest()
    return Upload(filename, "application/pdf", len(content), digest, content[:8], io.BytesIO(content))


def a4(**changes) -> PieceInput:
    fields = dict(
        cadre="A4",
        numero="PDM-1",
        date_piece="2026-11-01",
        montant_ht="100.00",
        montant_tva="20.00",
        montant_ttc="120.00",
        fournisseur=FOURNISSEUR,
        moe=MOE,
        moa=MOA,
    )
    return PieceInput.model_validate({**fields, **changes})


INITIAL = DepositFacts(known=KNOWN)


def deposit(piece: PieceInput, facts: DepositFacts = INITIAL, caller=None, **request):
    request = {"document": upload(), **request}
    return plan_deposit(
        DepositRequest(piece, Cadre(piece.cadre), **request),
        facts,
        caller or agent(FOURNISSEUR),
        SETTINGS,
        NOW,
        "piece-1",
        "dossier-1",
    )


def refusal(call) -> tuple[RefusalKind, str]:
    with pytest.raises(Refusal) as refused:
        call()
    return refused.value.kind, refused.value.code


# ---- deposit ---------------------------------------------------------------------------------------


def test_an_initial_deposit_plans_the_piece_its_history_and_its_two_events():
    plan = deposit(a4())
    assert (plan.snapshot.piece_id, plan.snapshot.dossier_id, plan.snapshot.statut) == (
        "piece-1",
        "dossier-1",
        "DEPOSEE",
    )
    assert plan.snapshot.montant_a_payer == Decimal("120.00") and plan.snapshot.emetteur == FOURNISSEUR
    assert plan.previous is None and [e.statut for e in plan.history] == [Statut.DEPOSEE]
    assert isinstance(plan.submitted.data, PieceSubmitted) and plan.submitted.subject == "dossier-1"
    assert isinstance(plan.status.data, PieceStatusChanged) and plan.status.data.action == "deposer"
    assert plan.body["links"]["piece"] == {"href": "/v1/pieces/piece-1"} and plan.body["statut"] == "DEPOSEE"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"fournisseur": None}, (RefusalKind.INVALID, "fournisseur_requis")),
        ({"montant_ttc": "121.00"}, (RefusalKind.INVALID, "montants_incoherents")),
        ({"moe": None}, (RefusalKind.INVALID, "moe_requis")),
    ],
)
def test_an_initial_deposit_breaking_a_rule_is_refused(change, expected):
    assert refusal(lambda: deposit(a4(**change))) == expected


def test_only_the_depositor_with_modification_deposits():
    assert refusal(lambda: deposit(a4(), caller=agent(MOE))) == (RefusalKind.FORBIDDEN, "habilitation_requise")
    reader = agent(FOURNISSEUR, Profil.CONSULTATION)
    assert refusal(lambda: deposit(a4(), caller=reader)) == (RefusalKind.FORBIDDEN, "habilitation_requise")


def test_the_files_are_checked_after_the_piece_and_the_parties_last():
    assert refusal(lambda: deposit(a4(), document=None)) == (RefusalKind.INVALID, "document_manquant")
    assert refusal(lambda: deposit(a4(), document=upload(b"GIF89a"))) == (
        RefusalKind.UNSUPPORTED_TYPE,
        "document_non_pdf",
    )
    big = upload(PDF + b"0" * SETTINGS.max_document_bytes)
    assert refusal(lambda: deposit(a4(), document=big)) == (RefusalKind.TOO_LARGE, "document_trop_volumineux")
    # a rule of the pièce is refused before its file
    assert refusal(lambda: deposit(a4(fournisseur=None), document=None))[1] == "fournisseur_requis"
    unknown = DepositFacts(known={s: v for s, v in KNOWN.items() if s != MOE})
    assert refusal(lambda: deposit(a4(), unknown)) == (RefusalKind.INVALID, "structure_inconnue")
    assert refusal(lambda: deposit(a4(), unknown, document=None))[1] == "document_manquant"


RULE = FOLLOWS[0]


def following(**changes) -> PieceInput:
    fields = {"cadre": str(RULE.next), "piece_precedente_id": "p", "fournisseur": None, "moe": None, "moa": None}
    return a4(**{**fields, **changes})


def _depositor_of(rule) -> Principal:
    return agent(getattr(snapshot(rule.previous), party_field(info(rule.next).deposant)))


def test_a_piece_suivante_joins_the_dossier_and_inherits_its_parties():
    previous = snapshot(RULE.previous, RULE.when)
    facts = DepositFacts(previous, frozenset(Echeance), KNOWN)
    plan = deposit(following(), facts, _depositor_of(RULE))
    assert plan.previous == previous and plan.snapshot.dossier_id == "d"
    assert (plan.snapshot.moe, plan.snapshot.moa, plan.snapshot.fournisseur) == (MOE, MOA, FOURNISSEUR)
    change = follow_change(plan, previous, frozenset(Echeance), "x@example.org")
    assert change.new is RULE.previous_becomes and change.entry.action == "deposer_piece_suivante"
    assert change.entry.comment == f"{RULE.next} PDM-1 déposée sur cette pièce"
    parties, added = dossier_parties(plan.snapshot, {FOURNISSEUR, MOE})
    assert added == frozenset(parties - {FOURNISSEUR, MOE}) and {FOURNISSEUR, MOE} <= parties


def test_a_piece_suivante_is_refused_in_the_order_of_the_rules():
    unknown = Refusal("piece_precedente_inconnue", "t", "d", RefusalKind.NOT_FOUND)
    assert refusal(lambda: deposit(following(), DepositFacts(unknown))) == (
        RefusalKind.NOT_FOUND,
        "piece_precedente_inconnue",
    )
    # the cadre is checked before the previous pièce is looked at
    assert refusal(lambda: deposit(following(cadre="A4"), DepositFacts(unknown)))[1] == "cadre_initial"
    other = snapshot(RULE.previous, Statut.DEPOSEE)
    assert refusal(lambda: deposit(following(), DepositFacts(other, frozenset(Echeance), KNOWN))) == (
        RefusalKind.CONFLICT,
        "piece_precedente_indisponible",
    )
    previous = DepositFacts(snapshot(RULE.previous, RULE.when), frozenset(Echeance), KNOWN)
    assert refusal(lambda: deposit(following(moe=VALIDEUR), previous))[1] == "partie_incoherente"


def test_what_is_read_for_a_deposit_covers_every_party_it_may_name():
    assert sirets_to_read(a4(), None) == {FOURNISSEUR, MOE, MOA}
    previous = snapshot(RULE.previous, RULE.when)
    assert sirets_to_read(following(), previous) == {FOURNISSEUR, VALIDEUR, MOE, MOA, DESTINATAIRE}
    assert numero_taken(deposit(a4()).snapshot).kind is RefusalKind.CONFLICT


# ---- actions ---------------------------------------------------------------------------------------


NOTHING_READ = ActionFacts()


def act(piece, request: ActionRequest, caller: Principal, facts: ActionFacts = NOTHING_READ):
    return plan_action(piece, request, facts, caller, SETTINGS, NOW)


def test_refuser_plans_the_status_change_and_the_answer():
    piece = snapshot("A4", Statut.MISE_A_DISPOSITION_MOE)
    plan = act(piece, ActionRequest(Action.REFUSER, motif="MAUVAISE_MOE", commentaire="non"), agent(MOE))
    assert (plan.change.previous, plan.change.new) == (Statut.MISE_A_DISPOSITION_MOE, Statut.REFUSEE_MOE)
    assert (plan.change.entry.motif, plan.change.entry.par, plan.change.entry.at) == (
        "MAUVAISE_MOE",
        agent(MOE).email,
        NOW,
    )
    assert plan.resubmit is None and plan.attachments == []
    assert plan.body == {
        "piece_id": "p",
        "dossier_id": "d",
        "action": "refuser",
        "statut_precedent": "MISE_A_DISPOSITION_MOE",
        "statut": "REFUSEE_MOE",
        "links": {"piece": {"href": "/v1/pieces/p"}},
    }


def test_an_action_is_refused_in_the_order_of_the_rules():
    piece = snapshot("A4", Statut.MISE_A_DISPOSITION_MOE)
    wrong = ActionRequest(Action.TRAITER, statut=Statut.SERVICE_FAIT)
    assert refusal(lambda: act(piece, wrong, agent(MOA))) == (RefusalKind.CONFLICT, "action_impossible")
    refuser = ActionRequest(Action.REFUSER, motif="MAUVAISE_MOE")
    assert refusal(lambda: act(piece, refuser, agent(MOA))) == (RefusalKind.FORBIDDEN, "action_reservee")
    assert refusal(lambda: act(piece, ActionRequest(Action.REFUSER), agent(MOE)))[1] == "motif_requis"


def test_a_recycling_changes_routing_data_and_checks_the_parties_it_names():
    piece = snapshot("A15", Statut.REFUSEE_MOA)
    same = ActionRequest(Action.RECYCLER, changes={"moa": MOA})
    assert recycling_updates(piece, same.changes) == {}
    assert refusal(lambda: act(piece, same, agent(MOE))) == (RefusalKind.INVALID, "recyclage_sans_changement")
    other_moa = "21750001600027"
    request = ActionRequest(Action.RECYCLER, changes={"moa": other_moa, "code_service": None})
    assert recycled_parties(piece, recycling_updates(piece, request.changes)) == {"moa": other_moa}
    assert refusal(lambda: act(piece, request, agent(MOE), ActionFacts(known=KNOWN)))[1] == "structure_inconnue"
    moa = KNOWN[MOA].model_copy(update={"siret": other_moa})
    plan = act(piece, request, agent(MOE), ActionFacts(known={other_moa: moa}))
    assert plan.change.updates == {"moa": other_moa} and plan.resubmit is SubmissionReason.RECYCLAGE


def test_a_mise_en_paiement_records_whether_the_destinataire_hides_it():
    piece = snapshot("A19", Statut.MANDATEE)
    request = ActionRequest(Action.TRAITER, statut=Statut.MISE_EN_PAIEMENT)
    financier = agent(DESTINATAIRE)
    assert (
        act(piece, request, financier, ActionFacts(destinataire=KNOWN[DESTINATAIRE])).change.hidden_from_supplier
        is False
    )
    hiding = KNOWN[DESTINATAIRE].model_copy(update={"mise_en_paiement_masquee": True})
    assert act(piece, request, financier, ActionFacts(destinataire=hiding)).change.hidden_from_supplier is True


def test_completer_needs_attachments_within_the_limits():
    piece = snapshot("A4", Statut.SUSPENDUE)
    holder = agent(FOURNISSEUR)
    assert refusal(lambda: act(piece, ActionRequest(Action.COMPLETER), holder))[1] == "pieces_jointes_requises"
    attachments = [upload(filename="annexe.pdf")]
    plan = act(piece, ActionRequest(Action.COMPLETER, attachments=attachments), holder)
    assert plan.attachments == attachments and plan.resubmit is SubmissionReason.COMPLETION
