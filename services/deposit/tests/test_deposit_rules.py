"""Deposit rules and the pièce's status changes: pure, no I/O."""

from datetime import date
from decimal import Decimal as D

import pytest

from contracts import Cadre, PieceRouted, PresenceMoa, Recipient, Role, Statut, Structure, utcnow
from deposit.domain import deposit_rules as rules
from deposit.domain.errors import Refusal
from deposit.domain.piece import apply_routing, change_status
from deposit.usecases.status_events import status_event
from tests.support.snapshots import MOA, MOE, snapshot


@pytest.mark.parametrize(
    "cadre, code",
    [
        ("A1", "cadre_hors_travaux"),
        ("A2", "cadre_hors_travaux"),
        ("A3", "cadre_hors_travaux"),
        ("A9", "cadre_hors_travaux"),
        ("A12", "cadre_hors_travaux"),
        ("A21", "cadre_hors_travaux"),
        ("A11", "cadre_retire"),
    ],
)
@pytest.mark.parametrize("following", [False, True])
def test_cadres_outside_the_works_circuit_are_refused_by_name(cadre, code, following):
    with pytest.raises(Refusal) as refused:
        rules.check_cadre(Cadre(cadre), following)
    assert refused.value.code == code and cadre in refused.value.detail


@pytest.mark.parametrize("cadre", ["A4", "A5", "A6", "A7", "A8", "A10", "A13", "A14"])
def test_initial_cadres_open_a_dossier(cadre):
    rules.check_cadre(Cadre(cadre), following=False)


@pytest.mark.parametrize("cadre", ["A4", "A5", "A6", "A7", "A10", "A13", "A14"])
def test_initial_cadres_cannot_follow_a_piece(cadre):
    with pytest.raises(Refusal) as refused:
        rules.check_cadre(Cadre(cadre), following=True)
    assert refused.value.code == "cadre_initial"


@pytest.mark.parametrize("cadre", ["A15", "A16", "A17", "A18", "A19", "A20", "A22", "A23", "A24", "A25"])
def test_following_cadres_need_their_previous_piece(cadre):
    rules.check_cadre(Cadre(cadre), following=True)
    with pytest.raises(Refusal) as refused:
        rules.check_cadre(Cadre(cadre), following=False)
    assert refused.value.code == "piece_precedente_requise" and cadre in refused.value.detail


def test_a8_opens_a_dossier_in_the_reduced_process_or_follows_a_decompte_general():
    rules.check_cadre(Cadre.A8, following=False)
    rules.check_cadre(Cadre.A8, following=True)


def test_amounts_must_add_up_to_the_cent():
    assert rules.amount_errors(D("100.00"), D("20.00"), D("120.00"), D("120.00")) == []
    [error] = rules.amount_errors(D("100.00"), D("20.00"), D("120.01"), D("120.01"))
    assert error.code == "montants_incoherents" and "120.00" in error.message


@pytest.mark.parametrize("a_payer", [D("-0.01"), D("120.01")])
def test_amount_to_pay_lies_between_zero_and_ttc(a_payer):
    [error] = rules.amount_errors(D("100.00"), D("20.00"), D("120.00"), a_payer)
    assert error.code == "montant_a_payer_invalide"


def test_negative_amounts_are_refused():
    codes = {e.code for e in rules.amount_errors(D("-100.00"), D("0.00"), D("-100.00"), D("0.00"))}
    assert "montant_negatif" in codes


def test_date_not_in_the_future():
    today = date(2026, 11, 23)
    assert rules.date_errors(today, today) == []
    assert rules.date_errors(date(2026, 11, 24), today)[0].code == "date_future"


def test_date_not_before_2000():
    today = date(2026, 11, 23)
    assert rules.date_errors(date(2000, 1, 1), today) == []
    assert rules.date_errors(date(1999, 12, 31), today)[0].code == "champ_invalide"


@pytest.mark.parametrize(
    "cadre, required",
    [
        ("A4", {"moe"}), ("A7", {"moe"}), ("A10", {"moe", "valideur"}), ("A13", {"moe", "valideur"}),
        ("A14", {"moe", "valideur"}), ("A5", {"moa"}), ("A15", {"moa"}), ("A17", {"moa"}), ("A22", {"moa"}),
        ("A6", {"destinataire"}), ("A8", {"destinataire"}), ("A16", {"destinataire"}), ("A19", {"destinataire"}),
        ("A23", {"destinataire"}), ("A24", {"destinataire"}), ("A25", {"destinataire"}), ("A18", set()), ("A20", set()),
    ],
)  # fmt: skip
def test_each_cadre_names_the_parties_it_goes_to(cadre, required):
    errors = rules.parties_errors(Cadre(cadre), {})
    assert {e.field for e in errors} == required
    assert {e.code for e in errors} == {f"{name}_requis" for name in required}
    assert rules.parties_errors(Cadre(cadre), dict.fromkeys(required, "44306184100047")) == []


@pytest.mark.parametrize("cadre", ["A8", "A16", "A19", "A23", "A24", "A25"])
def test_a_payable_piece_may_leave_its_destinataire_to_its_moa(cadre):
    assert rules.parties_errors(Cadre(cadre), {"moa": MOA}) == []  # routing: a MOA « avec MOA » is its own


def test_an_a6_names_its_destinataire_there_is_no_moa_to_fall_back_on():
    assert [e.code for e in rules.parties_errors(Cadre.A6, {"moa": MOA})] == ["destinataire_requis"]


# ---- the structures a pièce names (contracts.naming applied on the field that names them) ------------

F, DEST = "73282932000074", "21310555400017"


def _structure(siret: str, **params) -> Structure:
    return Structure(siret=siret, nom="S", email_contact="s@example.fr", **params)


KNOWN = {
    F: _structure(F),
    MOE: _structure(MOE),
    MOA: _structure(MOA, publique=True, presence_moa=PresenceMoa.EXCLUSIVEMENT_MOA),
    DEST: _structure(DEST, publique=True, presence_moa=PresenceMoa.SANS_MOA),
}


@pytest.mark.parametrize(
    "parties, changes, errors",
    [
        ({"fournisseur": F, "moe": MOE, "moa": MOA}, {}, []),
        ({"fournisseur": F, "moe": MOE, "moa": MOA}, {MOA: {"presence_moa": "SANS_MOA"}}, [("moa", "moa_non_autorisee")]),
        ({"fournisseur": F, "moe": MOE, "moa": MOA}, {MOA: {"presence_moa": "AUCUNE"}}, [("moa", "moa_non_autorisee")]),
        ({"fournisseur": F, "moe": MOE, "moa": MOA}, {MOA: {"publique": False}}, [("moa", "moa_non_publique")]),
        ({"fournisseur": F, "moa": MOA, "destinataire": DEST}, {}, []),
        ({"fournisseur": F, "moa": MOA, "destinataire": MOA}, {}, [("destinataire", "destinataire_non_autorise")]),
        ({"fournisseur": F, "moa": MOA, "destinataire": DEST}, {DEST: {"presence_moa": "AVEC_MOA"}},
         [("destinataire", "destinataire_non_autorise")]),  # an « exclusivement MOA » pays through a « sans MOA »
        ({"fournisseur": F, "destinataire": DEST}, {DEST: {"publique": False}},
         [("destinataire", "destinataire_non_publique")]),
        ({"fournisseur": F, "moe": "11111111111111"}, {}, [("moe", "structure_inconnue")]),
        ({"fournisseur": F, "moa": MOA}, {MOA: {"active": False, "presence_moa": "SANS_MOA"}},
         [("moa", "structure_inactive")]),
    ],
)  # fmt: skip
def test_a_named_structure_is_known_active_and_allowed_in_its_role(parties, changes, errors):
    known = {siret: s.model_copy(update=changes.get(siret, {})) for siret, s in KNOWN.items()}
    found = rules.structure_errors(parties, known, parties.keys())
    assert [(e.field, e.code) for e in found] == errors
    assert all(KNOWN[parties[e.field]].siret in e.message for e in found if e.code != "structure_inconnue")


def test_a_party_inherited_from_the_dossier_is_left_to_routing():
    known = {**KNOWN, MOA: KNOWN[MOA].model_copy(update={"presence_moa": PresenceMoa.SANS_MOA})}
    parties = {"fournisseur": F, "moe": MOE, "moa": MOA, "destinataire": DEST}
    assert rules.structure_errors(parties, known, named=["destinataire"]) == []
    assert [e.code for e in rules.structure_errors(parties, known, named=["moa"])] == ["moa_non_autorisee"]


def test_the_parties_a_piece_names_anew():
    previous = snapshot("A15", moa=MOA, destinataire=None)
    inherited = {"fournisseur": previous.fournisseur, "valideur": previous.valideur, "moe": MOE, "moa": MOA}
    assert rules.newly_named({**inherited, "destinataire": DEST}, previous) == ["destinataire"]
    assert rules.newly_named(inherited, previous) == []
    assert rules.newly_named({"fournisseur": F, "moe": MOE, "moa": MOA}, None) == ["fournisseur", "moe", "moa"]


def test_a_mise_en_paiement_records_whether_its_destinataire_hid_it():
    mandated = snapshot("A19", Statut.MANDATEE)
    for hidden in (True, False):
        change = change_status(mandated, Statut.MISE_EN_PAIEMENT, utcnow(), hidden_from_supplier=hidden)
        assert change.hidden_from_supplier is hidden and status_event(change).mise_en_paiement_masquee is hidden
    other = change_status(snapshot("A19", Statut.SERVICE_FAIT), Statut.MANDATEE, utcnow(), hidden_from_supplier=True)
    assert not other.hidden_from_supplier and status_event(other).mise_en_paiement_masquee is None


def test_pdf_magic_bytes():
    assert rules.is_pdf(b"%PDF-1.7\n")
    assert not rules.is_pdf(b"PK\x03\x04") and not rules.is_pdf(b"")


def _routed(statut=Statut.MISE_A_DISPOSITION_MOE, recipient=True, error=None):
    return PieceRouted(
        piece_id="p",
        dossier_id="d",
        submitted_event_id="e",
        statut=statut,
        recipient=Recipient(role=Role.MOE, siret="44306184100047") if recipient else None,
        error_code=error,
        error_detail="détail" if error else None,
    )


def test_routing_moves_a_deposited_a4_to_the_moe_who_is_expected_to_act():
    at = utcnow()
    change = apply_routing(snapshot("A4", Statut.DEPOSEE), _routed(), at)
    assert (change.previous, change.new, change.entry.at) == (Statut.DEPOSEE, Statut.MISE_A_DISPOSITION_MOE, at)
    assert change.expected_action.role is Role.MOE and change.expected_action.siret == MOE
    assert "A15" in change.expected_action.action and "A16" in change.expected_action.action


def test_a_routing_error_is_recorded_with_its_reason_and_the_issuer_is_expected_to_recycle():
    decision = _routed(Statut.ERREUR_ACHEMINEMENT, recipient=False, error="moe_absent")
    change = apply_routing(snapshot("A4", Statut.DEPOSEE), decision, utcnow())
    assert change.new is Statut.ERREUR_ACHEMINEMENT and change.entry.comment == "détail"
    assert change.entry.motif == "moe_absent"
    assert change.expected_action.role is Role.FOURNISSEUR and "recycler" in change.expected_action.action


def test_the_destinataire_routing_chose_is_recorded_on_the_piece():
    decision = PieceRouted(
        piece_id="p",
        dossier_id="d",
        submitted_event_id="e",
        statut=Statut.MISE_A_DISPOSITION_DESTINATAIRE,
        recipient=Recipient(role=Role.SERVICE_FINANCIER, siret=MOA),
    )
    change = apply_routing(snapshot("A19", Statut.DEPOSEE, destinataire=None), decision, utcnow())
    assert change.updates == {"destinataire": MOA} and change.snapshot.destinataire == MOA
    assert change.expected_action.role is Role.SERVICE_FINANCIER and change.expected_action.siret == MOA
    named = apply_routing(snapshot("A19", Statut.DEPOSEE), decision, utcnow())
    assert named.updates == {}  # a destinataire the pièce names is never overwritten


def test_a_late_decision_does_not_move_a_piece_that_moved_on():
    assert apply_routing(snapshot("A4", Statut.MISE_A_DISPOSITION_MOE), _routed(), utcnow()) is None


def test_sans_tva_means_no_vat():
    from contracts import TypeTva

    assert rules.vat_errors(TypeTva.SANS_TVA, D("0.00")) == []
    assert rules.vat_errors(TypeTva.SANS_TVA, D("0.01"))[0].code == "tva_sans_tva_non_nulle"
    assert rules.vat_errors(TypeTva.TVA_SUR_DEBITS, D("20.00")) == []


@pytest.mark.parametrize(
    "devise, ok", [("EUR", True), ("XPF", True), ("CHF", True), ("ZZZ", False), ("eur", False), ("EURO", False)]
)
def test_currency_is_an_iso_4217_code(devise, ok):
    assert (rules.currency_errors(devise) == []) is ok


def test_attachment_extensions_are_those_the_portal_lists():
    assert rules.attachment_errors(["annexe.PDF", "metre.xlsx", "signature.p7s", "photos.tar.gz", "plan.TIFF"]) == []
    errors = rules.attachment_errors(["ok.pdf", "virus.exe", "sans-extension"])
    assert [(e.field, e.code) for e in errors] == [
        ("attachments[1]", "piece_jointe_extension_interdite"),
        ("attachments[2]", "piece_jointe_extension_interdite"),
    ]
