"""Who is mailed for a status change, and what the mail says."""

from datetime import date
from decimal import Decimal

from contracts import ExpectedAction, PieceStatusChanged, Role, Statut, utcnow
from notification.domain.messages import render
from notification.domain.rules import PlannedMail, Template, plan
from tests.support.snapshots import snapshot

F, MOE, MOA = "73282932000074", "44306184100047", "21750001600019"


def event(expected: bool = True, moa: str | None = MOA, moe: str = MOE) -> PieceStatusChanged:
    piece = snapshot(
        "A4",
        Statut.MISE_A_DISPOSITION_MOE,
        piece_id="p-1",
        dossier_id="d0ss1er-1234",
        numero="PDM-7",
        date_piece=date(2026, 11, 2),
        montant_ht=Decimal("1000"),
        montant_tva=Decimal("200"),
        montant_ttc=Decimal("1200"),
        montant_a_payer=Decimal("1200"),
        fournisseur=F,
        valideur=None,
        moe=moe,
        moa=moa,
        destinataire=None,
        numero_marche="M-42",
    )
    action = ExpectedAction(role=Role.MOE, siret=moe, action="Déposer l'état d'acompte (A15)") if expected else None
    return PieceStatusChanged(
        previous_statut=Statut.DEPOSEE,
        statut=Statut.MISE_A_DISPOSITION_MOE,
        changed_at=utcnow(),
        piece=piece,
        expected_action=action,
    )


def test_the_expected_actor_is_called_to_act_and_the_others_informed():
    assert plan(event()) == [
        PlannedMail(Role.MOE, MOE, Template.ACTION_ATTENDUE),
        PlannedMail(Role.FOURNISSEUR, F, Template.INFORMATION),
        PlannedMail(Role.MOA, MOA, Template.INFORMATION),
    ]


def test_no_moa_no_mail_to_it():
    assert [m.role for m in plan(event(moa=None))] == [Role.MOE, Role.FOURNISSEUR]


def test_a_structure_with_two_roles_gets_one_mail():
    assert plan(event(moa=MOE)) == [
        PlannedMail(Role.MOE, MOE, Template.ACTION_ATTENDUE),
        PlannedMail(Role.FOURNISSEUR, F, Template.INFORMATION),
    ]


def test_no_expected_action_no_mail():
    assert plan(event(expected=False)) == []


def test_the_call_to_action_mail():
    message = render(
        PlannedMail(Role.MOE, MOE, Template.ACTION_ATTENDUE), event(), "Cabinet Moe", "https://travaux.example/"
    )
    assert (
        message.subject == "[Travaux] Action attendue — A4 n° PDM-7 — dossier d0ss1er- — Mise à disposition de la MOE"
    )
    for expected in (
        "Cabinet Moe",
        "maîtrise d'œuvre",
        "Déposer l'état d'acompte (A15)",
        "1200.00 EUR",
        "Marché : M-42",
        "02/11/2026",
        "https://travaux.example/v1/pieces/p-1",
    ):
        assert expected in message.text
    assert "<table" in message.html and "https://travaux.example/v1/pieces/p-1" in message.html


def test_the_information_mail_escapes_html():
    message = render(PlannedMail(Role.FOURNISSEUR, F, Template.INFORMATION), event(), "Dupont <&> Fils", "http://x")
    assert message.subject.startswith("[Travaux] Information — A4 n° PDM-7")
    assert "Dupont <&> Fils" in message.text and "Dupont &lt;&amp;&gt; Fils" in message.html
