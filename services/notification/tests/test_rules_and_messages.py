"""Who is mailed for a status change, and what the mail says."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts import Contact, ExpectedAction, PieceStatusChanged, Profil, Role, Statut, Structure, utcnow
from contracts.payment_terms import penalties
from notification.domain.messages import render, render_deadline
from notification.domain.rules import (
    Context,
    PlannedMail,
    Template,
    deadline_headline,
    plan,
    plan_deadline,
    recipients,
)
from tests.support.snapshots import snapshot

F, MOE, MOA = "73282932000074", "44306184100047", "21750001600019"
VAL = "55210055400013"


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


# ---- one test per rule of the table ------------------------------------------------------------------

DEST = "21310555400017"


def change(cadre: str, statut: Statut, expected: tuple[Role, str] | None = None, motif=None, **piece_fields):
    fields = {"valideur": None, "destinataire": None, "emetteur": None, **piece_fields}
    action = ExpectedAction(role=expected[0], siret=expected[1], action="Agir") if expected else None
    return PieceStatusChanged(
        previous_statut=None,
        statut=statut,
        changed_at=datetime(2026, 11, 2, 10, tzinfo=UTC),
        piece=snapshot(cadre, statut, **fields),
        expected_action=action,
        motif=motif,
        commentaire="précision" if motif else None,
    )


def mails(event, **context) -> set[tuple[str, str]]:
    return {(m.siret, m.template.value) for m in plan(event, Context(**context))}


@pytest.mark.parametrize(
    "statut, cadre, issuer",
    [
        (Statut.REFUSEE_MOE, "A4", F), (Statut.REFUSEE_MOA, "A15", MOE), (Statut.SUSPENDUE, "A19", MOA),
        (Statut.A_RECYCLER, "A19", MOA), (Statut.ERREUR_ACHEMINEMENT, "A4", F), (Statut.REJETEE, "A19", MOA),
        (Statut.REFUSEE_FOURNISSEUR, "A20", MOA),
    ],
)  # fmt: skip
def test_a_piece_returned_to_its_issuer_is_mailed_to_it_with_the_motif(statut, cadre, issuer):
    event = change(cadre, statut, motif="MAUVAISE_MOA", emetteur=issuer)
    assert (issuer, "retour") in mails(event)
    message = render(PlannedMail(Role.MOA, issuer, Template.RETOUR), event, "Emetteur", "http://x")
    assert "MAUVAISE_MOA" in message.text and "précision" in message.text
    assert message.subject.startswith("[Travaux] Pièce retournée")


def test_the_expected_actor_gets_the_call_to_action_even_when_it_is_also_a_party():
    event = change("A15", Statut.MISE_A_DISPOSITION_MOA, expected=(Role.MOA, MOA))
    assert mails(event) == {(MOA, "action_attendue"), (F, "information"), (MOE, "information")}


def test_the_titulaire_is_told_of_an_a10_and_of_its_15_days():
    event = change("A10", Statut.A_VALIDER_1, expected=(Role.VALIDEUR, VAL), fournisseur=F, valideur=VAL)
    assert (VAL, "action_attendue") in mails(event)
    message = render(PlannedMail(Role.VALIDEUR, VAL, Template.ACTION_ATTENDUE), event, "Titulaire", "http://x")
    assert "17/11/2026" in message.text and "réputée acceptée" in message.text  # 2 Nov + 15 days


def test_mise_en_paiement_is_mailed_to_the_fournisseur_unless_the_destinataire_hides_it_and_to_the_moe_and_moa():
    event = change("A19", Statut.MISE_EN_PAIEMENT, destinataire=DEST)
    assert mails(event) == {(F, "mise_en_paiement"), (MOE, "mise_en_paiement"), (MOA, "mise_en_paiement")}
    # the hiding concerns the fournisseur only; the destinataire, who put it in payment, is not told
    assert mails(event, mise_en_paiement_masquee=True) == {(MOE, "mise_en_paiement"), (MOA, "mise_en_paiement")}
    assert [m.role for m in plan(event)] == [Role.FOURNISSEUR, Role.MOE, Role.MOA]


def test_without_a_moa_only_the_fournisseur_and_the_moe_are_told_of_the_mise_en_paiement():
    assert mails(change("A16", Statut.MISE_EN_PAIEMENT, destinataire=DEST, moa=None)) == {
        (F, "mise_en_paiement"), (MOE, "mise_en_paiement"),
    }  # fmt: skip


def test_the_mise_en_paiement_mail_to_the_moe_names_the_fournisseur_paid():
    event = change("A19", Statut.MISE_EN_PAIEMENT, destinataire=DEST)
    to_moe = render(PlannedMail(Role.MOE, MOE, Template.MISE_EN_PAIEMENT), event, "Cabinet Moe", "http://x")
    assert to_moe.subject.startswith("[Travaux] Mise en paiement — A19")
    assert (
        f"Pour information de Cabinet Moe (maîtrise d'œuvre) : la demande de paiement du fournisseur {F} a été "
        "mise en paiement par le service financier." in to_moe.text
    )
    assert "<strong>mise en paiement</strong>" in to_moe.html and F in to_moe.html
    to_f = render(PlannedMail(Role.FOURNISSEUR, F, Template.MISE_EN_PAIEMENT), event, "Durand", "http://x")
    assert "La demande de paiement de Durand (fournisseur) a été mise en paiement" in to_f.text


@pytest.mark.parametrize("cadre, depositor", [("A15", MOE), ("A19", MOA), ("A17", MOE), ("A20", MOA)])
def test_a_piece_deposited_by_a_moe_or_moa_enriches_the_dossier_for_the_others(cadre, depositor):
    event = change(cadre, Statut.DEPOSEE, emetteur=depositor)
    assert mails(event) == {(s, "dossier_enrichi") for s in (F, MOE, MOA) if s != depositor}


def test_a_fournisseur_deposit_alone_mails_nobody():
    assert mails(change("A4", Statut.DEPOSEE, emetteur=F)) == set()


def test_recipients_are_the_habilitated_users_of_the_service_else_the_contact_address():
    def contact(email, service=None):
        return Contact(email=email, nom="X", profil=Profil.MODIFICATION, service=service)

    structure = Structure(
        siret=MOA, nom="Commune", email_contact="mairie@commune.fr", publique=True,
        contacts=[contact("Tous@commune.fr"), contact("compta@commune.fr", "COMPTA"), contact("trx@commune.fr", "TRAVAUX")],
    )  # fmt: skip
    assert recipients(structure, "COMPTA") == ["compta@commune.fr", "tous@commune.fr"]
    assert recipients(structure, None) == ["tous@commune.fr"]
    assert recipients(structure.model_copy(update={"contacts": []}), "COMPTA") == ["mairie@commune.fr"]


# ---- legal deadlines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "echeance, told",
    [
        ("VALIDATION_HORS_DELAI", {F, VAL}),  # the A10's sous-traitant (its fournisseur) and titulaire
        ("DG_NON_NOTIFIE", {F, MOA}),
        ("A22_SANS_REPONSE", {F, MOA}),
        ("DG_NON_RETOURNE", {MOA}),
        ("DELAI_PAIEMENT_DEPASSE", {F, DEST}),
        ("PENALITES", {F, DEST}),
    ],
)
def test_each_legal_deadline_tells_whom_it_concerns(echeance, told):
    piece = snapshot("A10" if echeance == "VALIDATION_HORS_DELAI" else "A19", Statut.MISE_A_DISPOSITION_MOE,
                     valideur=VAL, destinataire=DEST)  # fmt: skip
    mails = plan_deadline(echeance, piece)
    assert {m.siret for m in mails} == told and {m.template for m in mails} == {Template.ECHEANCE}


def test_the_penalties_of_a_hidden_mise_en_paiement_go_to_the_payer_alone():
    piece = snapshot("A19", Statut.MISE_EN_PAIEMENT, destinataire=DEST)
    assert {m.siret for m in plan_deadline("PENALITES", piece, Context(mise_en_paiement_masquee=True))} == {DEST}
    # a deadline reached before the payment still tells the fournisseur
    hidden = Context(mise_en_paiement_masquee=True)
    assert {m.siret for m in plan_deadline("DELAI_PAIEMENT_DEPASSE", piece, hidden)} == {F, DEST}


def test_without_a_moa_the_moe_is_told_the_dg_was_not_returned():
    piece = snapshot("A18", Statut.MISE_A_DISPOSITION_FOURNISSEUR, moa=None)
    assert [(m.role, m.siret) for m in plan_deadline("DG_NON_RETOURNE", piece)] == [(Role.MOE, MOE)]


def test_the_penalties_mail_shows_the_figures():
    piece = snapshot("A19", Statut.MISE_EN_PAIEMENT, numero="EAV-9", destinataire=DEST)
    owed = penalties(Decimal("12000.00"), date(2026, 1, 31), date(2026, 2, 5), Decimal("2.15"))
    mail = PlannedMail(Role.FOURNISSEUR, F, Template.ECHEANCE)
    message = render_deadline(
        mail, piece, "PENALITES", deadline_headline("PENALITES"), None, owed, "Dupont", "http://x"
    )
    assert (
        message.subject.startswith("[Travaux] Échéance — A19 n° EAV-9") and "Intérêts moratoires dus" in message.subject
    )
    for shown in ("10.15 %", "Jours de retard : 5", "Intérêts moratoires : 16.68 EUR", "Total dû : 56.68 EUR"):
        assert shown in message.text
    assert "56.68" in message.html
