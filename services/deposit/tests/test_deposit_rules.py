"""Deposit rules and the pièce's status changes: pure, no I/O."""

from datetime import date
from decimal import Decimal as D

import pytest

from contracts import Cadre, PieceRouted, Recipient, Role, Statut, utcnow
from deposit.domain import deposit_rules as rules
from deposit.domain.errors import Refusal
from deposit.domain.piece import apply_routing


@pytest.mark.parametrize(
    "cadre, code",
    [
        ("A1", "cadre_hors_travaux"),
        ("A2", "cadre_hors_travaux"),
        ("A9", "cadre_hors_travaux"),
        ("A12", "cadre_hors_travaux"),
        ("A21", "cadre_hors_travaux"),
        ("A11", "cadre_retire"),
        ("A15", "cadre_non_pris_en_charge"),
        ("A5", "cadre_non_pris_en_charge"),
    ],
)
def test_cadres_refused_now_say_why_and_name_the_cadre(cadre, code):
    with pytest.raises(Refusal) as refused:
        rules.check_cadre(Cadre(cadre))
    assert refused.value.code == code and cadre in refused.value.detail


def test_a4_is_accepted():
    rules.check_cadre(Cadre.A4)


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


def test_an_a4_needs_its_moe():
    assert rules.parties_errors(Cadre.A4, None)[0].code == "moe_requise"
    assert rules.parties_errors(Cadre.A4, "44306184100047") == []


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
    change = apply_routing(Cadre.A4, Statut.DEPOSEE, _routed(), at)
    assert (change.previous, change.new, change.entry.at) == (Statut.DEPOSEE, Statut.MISE_A_DISPOSITION_MOE, at)
    assert change.expected_action.role is Role.MOE and change.expected_action.siret == "44306184100047"
    assert "A15" in change.expected_action.action


def test_a_routing_error_is_recorded_with_its_reason():
    change = apply_routing(
        Cadre.A4, Statut.DEPOSEE, _routed(Statut.ERREUR_ACHEMINEMENT, recipient=False, error="moe_absente"), utcnow()
    )
    assert (
        change.new is Statut.ERREUR_ACHEMINEMENT and change.entry.comment == "détail" and change.expected_action is None
    )


def test_a_late_decision_does_not_move_a_piece_that_moved_on():
    assert apply_routing(Cadre.A4, Statut.MISE_A_DISPOSITION_MOE, _routed(), utcnow()) is None


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
