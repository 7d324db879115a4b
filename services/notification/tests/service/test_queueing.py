"""Which event queues which mails, to whom, and that a re-delivered event queues nothing twice."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from contracts import (
    AccountCodeIssued,
    CodeMotif,
    Contact,
    DeadlineReached,
    Echeance,
    LatePaymentPenalties,
    Profil,
    Role,
    Statut,
    Structure,
    StructureUpserted,
)
from contracts.payment_terms import penalties
from notification.adapters.deliveries import NORMAL, URGENT
from notification.handlers.deadline_reached import PieceUnknown
from notification.handlers.mails import RecipientUnknown

F, VAL, MOE, MOA, DEST = "73282932000074", "55210055400013", "44306184100047", "21750001600019", "21310555400017"
CLAIRE, TITULAIRE, PAUL, AGNES, COMPTA = (
    "claire@durand.example", "titulaire@martin.example", "paul@moe.example", "agnes@commune.example",
    "compta@finances.example",
)  # fmt: skip


async def test_the_actor_who_must_act_is_called_to_act_and_the_other_parties_are_informed(service, status_change):
    event = await service.deliver(status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE)))

    assert service.mails() == {(PAUL, "action_attendue"), (CLAIRE, "information"), (AGNES, "information")}
    to_moe = service.queued[f"{event.id}:{PAUL}"]
    assert to_moe["subject"].startswith("[Travaux] Action attendue — A4") and "Cabinet Moe" in to_moe["text"]
    assert to_moe["role"] == "MOE" and to_moe["siret"] == MOE and to_moe["statut"] == "MISE_A_DISPOSITION_MOE"
    assert to_moe["priority"] == NORMAL and "https://travaux.example/v1/pieces/p" in to_moe["text"]
    assert {r["state"] for r in service.ledger.values()} == {"pending"}
    assert "text" not in service.ledger[f"{event.id}:{PAUL}"]  # the ledger keeps no body: the queue does


async def test_a_fournisseur_deposit_mails_nobody_and_queues_no_transaction(service, status_change):
    await service.deliver(status_change("A4", Statut.DEPOSEE, emetteur=F))
    assert service.mails() == set() and service.ctx.uow.commits == 0


async def test_a_piece_deposited_by_the_moe_enriches_the_dossier_for_the_other_parties(service, status_change):
    await service.deliver(status_change("A15", Statut.DEPOSEE, emetteur=MOE))
    assert service.mails() == {(CLAIRE, "dossier_enrichi"), (AGNES, "dossier_enrichi")}


@pytest.mark.parametrize(
    "statut, cadre, issuer, address",
    [(Statut.REFUSEE_MOA, "A15", MOE, PAUL), (Statut.SUSPENDUE, "A19", MOA, AGNES),
     (Statut.ERREUR_ACHEMINEMENT, "A19", MOA, AGNES), (Statut.REJETEE, "A19", MOA, AGNES)],
)  # fmt: skip
async def test_a_piece_returned_to_its_issuer_is_mailed_to_it_with_the_motif(
    service, status_change, statut, cadre, issuer, address
):
    event = await service.deliver(status_change(cadre, statut, motif="MAUVAISE_MOA", emetteur=issuer))
    back = service.queued[f"{event.id}:{address}"]
    assert back["template"] == "retour" and back["subject"].startswith("[Travaux] Pièce retournée")
    assert "Motif : MAUVAISE_MOA" in back["text"] and "Précision : précision" in back["text"]
    others = [r for r in service.queued.values() if r["email"] != address]
    assert all("MAUVAISE_MOA" not in r["text"] for r in others)  # the motif is for the issuer


async def test_the_titulaire_is_told_of_a_sous_traitant_a10_with_its_15_days(service, status_change):
    event = await service.deliver(
        status_change("A10", Statut.A_VALIDER_1, expected=(Role.VALIDEUR, VAL), valideur=VAL, moa=None)
    )
    assert service.mails() == {(TITULAIRE, "action_attendue"), (CLAIRE, "information"), (PAUL, "information")}
    text = service.queued[f"{event.id}:{TITULAIRE}"]["text"]
    assert "Sans réponse de votre part avant le 17/11/2026" in text and "réputée acceptée" in text
    assert "réputée acceptée" not in service.queued[f"{event.id}:{CLAIRE}"]["text"]


@pytest.mark.parametrize(
    "masked, hidden_by_destinataire, fournisseur_told",
    [(False, True, True), (True, False, False), (None, True, False), (None, False, True)],
)
async def test_the_mise_en_paiement_is_told_to_the_fournisseur_unless_hidden(
    service, status_change, masked, hidden_by_destinataire, fournisseur_told
):
    """What deposit recorded on the event wins; an event from before it did: the destinataire's setting."""
    finances = (await service.ctx.structures.many({DEST}))[DEST]
    later = datetime(2026, 6, 1, tzinfo=UTC)
    await service.ctx.structures.upsert(
        finances.model_copy(update={"mise_en_paiement_masquee": hidden_by_destinataire}), later
    )

    await service.deliver(status_change("A19", Statut.MISE_EN_PAIEMENT, destinataire=DEST, masked=masked))

    told = {(AGNES, "mise_en_paiement"), (PAUL, "mise_en_paiement")}
    assert service.mails() == (told | {(CLAIRE, "mise_en_paiement")} if fournisseur_told else told)


async def test_a_structure_mail_reaches_its_users_of_the_service_else_its_contact_address(service, status_change):
    def contact(email: str, service_code: str | None = None) -> Contact:
        return Contact(email=email, nom="x", profil=Profil.MODIFICATION, service=service_code)

    finances = Structure(
        siret=DEST, nom="Finances Services", email_contact="finances@example.fr", publique=True,
        contacts=[contact("Tous@finances.example"), contact("compta@finances.example", "COMPTA"),
                  contact("trx@finances.example", "TRAVAUX")],
    )  # fmt: skip
    moe = Structure(siret=MOE, nom="Cabinet Sans Utilisateur", email_contact="cabinet@moe.example")
    await service.deliver(StructureUpserted(structure=finances))
    await service.deliver(StructureUpserted(structure=moe))

    await service.deliver(
        status_change("A6", Statut.MISE_A_DISPOSITION_DESTINATAIRE, expected=(Role.SERVICE_FINANCIER, DEST),
                      destinataire=DEST, moa=None, code_service="COMPTA")
    )  # fmt: skip

    assert service.mails() == {
        ("compta@finances.example", "action_attendue"),
        ("tous@finances.example", "action_attendue"),
        (CLAIRE, "information"),
        ("cabinet@moe.example", "information"),
    }


async def test_an_event_delivered_twice_queues_each_mail_once(service, status_change):
    event = status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE))
    first = await service.deliver(event)
    queued = {k: dict(v) for k, v in service.queued.items()}
    service.ctx.deliveries.later(60)  # type: ignore[attr-defined]

    await service.deliver(event, event_id=first.id)

    assert service.queued == queued and len(service.ledger) == 3
    assert {r["event_id"] for r in service.ledger.values()} == {str(first.id)}


async def test_the_same_change_in_another_event_is_mailed_again(service, status_change):
    """Deduplication is per event id and recipient, not per content: a new event is a new mail."""
    event = status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE))
    await service.deliver(event)
    await service.deliver(event)
    assert len(service.ledger) == 6


async def test_a_recipient_missing_from_the_directory_queues_nothing_and_fails_for_a_retry(service, status_change):
    event = status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, "49300000000007"))
    with pytest.raises(RecipientUnknown, match="49300000000007"):
        await service.deliver(
            event.model_copy(update={"piece": event.piece.model_copy(update={"moe": "49300000000007"})})
        )
    assert service.ledger == {} and service.queued == {}


async def test_an_older_announcement_of_a_structure_never_replaces_a_newer_one(service):
    newer = Structure(siret=MOE, nom="Cabinet Renommé", email_contact="new@moe.example")
    older = Structure(siret=MOE, nom="Cabinet Ancien", email_contact="old@moe.example")
    assert await service.ctx.structures.upsert(newer, datetime(2026, 3, 1, tzinfo=UTC))
    assert not await service.ctx.structures.upsert(older, datetime(2026, 2, 1, tzinfo=UTC))
    assert (await service.ctx.structures.many({MOE}))[MOE].nom == "Cabinet Renommé"


async def test_a_deadline_names_the_piece_as_last_seen_and_tells_whom_it_concerns(service, status_change):
    piece = status_change("A7", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE))
    await service.deliver(piece)
    before = set(service.ledger)
    reached = DeadlineReached(
        piece_id=piece.piece.piece_id, dossier_id=piece.piece.dossier_id, echeance=Echeance.DG_NON_NOTIFIE,
        due_at=datetime(2026, 12, 2, tzinfo=UTC),
    )  # fmt: skip

    await service.deliver(reached)
    await service.deliver(reached.model_copy())  # another event: mailed again, it is another id

    new = [service.ledger[k] for k in set(service.ledger) - before]
    assert {(r["email"], r["template"], r["statut"]) for r in new} == {
        (CLAIRE, "echeance", "DG_NON_NOTIFIE"), (AGNES, "echeance", "DG_NON_NOTIFIE"),
    }  # fmt: skip
    assert len(new) == 4


async def test_a_deadline_on_a_piece_never_seen_queues_nothing_and_fails_for_the_replay(service):
    reached = DeadlineReached(
        piece_id="inconnue", dossier_id="d", echeance=Echeance.DG_NON_NOTIFIE, due_at=datetime(2026, 12, 2, tzinfo=UTC)
    )
    with pytest.raises(PieceUnknown):
        await service.deliver(reached)
    assert service.ledger == {}


async def test_the_penalties_of_a_hidden_mise_en_paiement_are_not_told_to_the_fournisseur(service, status_change):
    paid = status_change("A19", Statut.MISE_EN_PAIEMENT, destinataire=DEST, masked=True)
    await service.deliver(paid)
    before = set(service.ledger)
    due = datetime(2026, 10, 1, tzinfo=UTC)
    owed = penalties(Decimal("1200"), due.date(), (due + timedelta(days=20)).date(), Decimal("4.0"))

    await service.deliver(
        LatePaymentPenalties(piece_id=paid.piece.piece_id, dossier_id=paid.piece.dossier_id, due_at=due,
                             paid_at=due + timedelta(days=20), penalites=owed, mise_en_paiement_masquee=True)
    )  # fmt: skip

    told = {service.ledger[k]["email"] for k in set(service.ledger) - before}
    assert CLAIRE not in told and told


async def test_an_account_code_goes_to_that_address_alone_before_the_backlog(service, status_change):
    await service.deliver(status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE)))
    code = AccountCodeIssued(
        email="nouveau@exemple.fr", motif=CodeMotif.ACTIVATION, code="K7Q-2MX",
        expires_at=datetime(2026, 11, 2, 10, 15, tzinfo=UTC),
    )  # fmt: skip
    event = await service.deliver(code, event_id=uuid.uuid4())
    await service.deliver(code, event_id=event.id)  # re-delivered

    mail = service.queued[f"{event.id}:nouveau@exemple.fr"]
    assert mail["priority"] == URGENT and mail["template"] == "compte" and "K7Q-2MX" in mail["text"]
    assert mail["dossier_id"] is None and mail["statut"] == "COMPTE_ACTIVATION"
    assert [k for k in service.queued if k.startswith(str(event.id))] == [f"{event.id}:nouveau@exemple.fr"]
    assert (await service.ctx.deliveries.due(datetime.now(UTC), 10))[0] == f"{event.id}:nouveau@exemple.fr"
