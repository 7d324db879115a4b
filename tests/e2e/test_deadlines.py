"""Legal deadlines through the running system, with the business clock moved forward instead of waiting
15 or 30 days: routing publishes each deadline on travaux.deadlines once it falls due, the deposit
service acts on it (the A10's tacit acceptance) or opens the tacit procedure it guards (A22–A25), and a
dossier paid late shows the interest and the €40 indemnity."""

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import pytest_asyncio

from contracts import DeadlineReached, LatePaymentPenalties, topics
from tests.support import data
from tests.support.circuit import (
    acted,
    deposit,
    deposited,
    deposited_once_open,
    make_cast,
    problem,
    statuses,
    wait_status,
)
from tests.support.mail import wait_for_mail
from tests.support.settled import settled

MAD_MOE, MAD_MOA = "MISE_A_DISPOSITION_MOE", "MISE_A_DISPOSITION_MOA"
MAD_FOURNISSEUR, MAD_DEST = "MISE_A_DISPOSITION_FOURNISSEUR", "MISE_A_DISPOSITION_DESTINATAIRE"


@pytest_asyncio.fixture
async def cast(directory):
    return await make_cast(directory)


async def published(recorder, dossier_id: str, kind: type, count: int = 1, timeout: float = 20.0) -> list:
    found = await recorder.wait_for(
        topics.DEADLINES,
        lambda r: r.event is not None and isinstance(r.event.data, kind) and r.event.data.dossier_id == dossier_id,
        count,
        timeout,
    )
    return [r.event for r in found]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_an_a10_left_unanswered_for_15_days_goes_to_the_moe(cast, clock, recorder, infrastructure):
    sous_traitant, fournisseur, moe = cast.agents["sous_traitant"], cast.agents["fournisseur"], cast.agents["moe"]
    parties = {
        "fournisseur": cast.siret("sous_traitant"),
        "valideur": cast.siret("fournisseur"),
        "moe": cast.siret("moe"),
    }
    # A marker A10, a fifth of a day older: its 15 days end while the A10 under test still has 0.1 day to go.
    marker = await deposited(sous_traitant, "A10", **parties)
    await wait_status(fournisseur, marker, "A_VALIDER_1")
    await clock.set(0.2)
    a10 = await deposited(sous_traitant, "A10", **parties)
    waiting = await wait_status(fournisseur, a10, "A_VALIDER_1")
    planned = await clock.planned(waiting["dossier_id"], "VALIDATION_HORS_DELAI")
    assert at(planned["due_at"]) == at(waiting["historique"][1]["at"]) + timedelta(days=15)

    await clock.set(15.1)  # 14.9 days after the A10
    # A sweep with the clock there published the marker's deadline and deposit applied it; then every
    # event published so far was handled: had that sweep found the A10 due too, it would show now.
    await wait_status(moe, marker, MAD_MOE)
    await settled(infrastructure, recorder, mails=False)
    assert (await fournisseur.client.get(f"/v1/pieces/{a10}")).json()["statut"] == "A_VALIDER_1"
    assert not (await clock.planned(waiting["dossier_id"], "VALIDATION_HORS_DELAI"))["publiee"]
    assert not [r for r in recorder.on(topics.DEADLINES) if r.key == waiting["dossier_id"].encode()]

    await clock.set(15.21)
    forwarded = await wait_status(moe, a10, MAD_MOE)
    assert statuses(forwarded) == ["DEPOSEE", "A_VALIDER_1", "ABSENCE_VALIDATION_1_HORS_DELAI", MAD_MOE]
    assert forwarded["echeances"] == ["VALIDATION_HORS_DELAI"]
    assert forwarded["attente"]["siret"] == cast.siret("moe")
    [event] = await published(recorder, forwarded["dossier_id"], DeadlineReached)
    assert event.data.echeance == "VALIDATION_HORS_DELAI" and event.data.piece_id == a10
    told = await wait_for_mail(
        infrastructure.mail, lambda m: forwarded["numero"] in m.subject and "Échéance" in m.subject, count=3
    )  # every user habilitated on the two structures, whatever their profile
    assert {m.to[0] for m in told} == {sous_traitant.email, fournisseur.email, cast.lecteur.email}
    assert all("réputée acceptée" in m.text for m in told)
    # the MOE takes it on from here
    a15 = await deposited(moe, "A15", a10, moa=cast.siret("moa"))
    await wait_status(cast.agents["moa"], a15, MAD_MOA)


async def test_a_dossier_paid_after_its_delai_shows_the_interest_and_the_indemnity(
    directory, cast, clock, recorder, infrastructure
):
    hopital = await directory.structure(
        "Centre Hospitalier", public=True, categorie="ETABLISSEMENT_SANTE", presence_moa="SANS_MOA"
    )
    comptable = await directory.user((hopital["siret"], "MODIFICATION"), name="Comptable Hopital")
    fournisseur, moe, moa = cast.agents["fournisseur"], cast.agents["moe"], cast.agents["moa"]
    a4 = await deposited(fournisseur, "A4", fournisseur=cast.siret("fournisseur"), moe=cast.siret("moe"),
                         moa=cast.siret("moa"), destinataire=hopital["siret"])  # fmt: skip
    at_moe = await wait_status(moe, a4, MAD_MOE)
    a15 = await deposited(moe, "A15", a4)
    await wait_status(moa, a15, MAD_MOA)
    a19 = await deposited(moa, "A19", a15)
    await wait_status(comptable, a19, MAD_DEST)
    dossier_id = at_moe["dossier_id"]
    planned = await clock.planned(dossier_id, "DELAI_PAIEMENT_DEPASSE")
    start = at(at_moe["historique"][1]["at"])
    assert at(planned["due_at"]) == start + timedelta(days=50)  # établissement de santé: 50 days

    await clock.set(50.01)
    [overdue] = await published(recorder, dossier_id, DeadlineReached)
    assert overdue.data.echeance == "DELAI_PAIEMENT_DEPASSE" and overdue.data.due_at == start + timedelta(days=50)
    assert overdue.data.penalites.indemnite_forfaitaire == Decimal("40.00")

    await clock.set(55.01)  # paid five days late
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        await acted(comptable, a19, "traiter", statut=statut)
    [late] = await published(recorder, dossier_id, LatePaymentPenalties)
    assert late.data.piece_id == a19 and late.data.penalites.jours_retard == 5
    shown = None
    for _ in range(100):
        shown = (await fournisseur.client.get(f"/v1/dossiers/{dossier_id}")).json()["delai_paiement"]
        if shown["penalites"]:
            break
        await asyncio.sleep(0.2)
    # 12000.00 × (2.15 + 8) % × 5 / 365 = 16.684…
    assert shown["penalites"]["jours_retard"] == 5 and shown["penalites"]["taux"] == "10.15"
    assert shown["penalites"]["interets"] == "16.68" and shown["penalites"]["indemnite_forfaitaire"] == "40.00"
    assert shown["penalites"]["total"] == "56.68" and shown["en_retard"] and shown["delai_jours"] == 50
    numero = (await fournisseur.client.get(f"/v1/pieces/{a19}")).json()["numero"]
    [told] = await wait_for_mail(
        infrastructure.mail,
        lambda m: numero in m.subject and "Intérêts moratoires dus" in m.subject and m.to[0] == fournisseur.email,
    )
    assert "Intérêts moratoires : 16.68 EUR" in told.text and "Total dû : 56.68 EUR" in told.text


async def test_one_suspension_interrupts_the_delai_once(cast, clock, infrastructure, recorder):
    fournisseur, moe, moa, financier = (cast.agents[n] for n in ("fournisseur", "moe", "moa", "financier"))
    a4 = await deposited(fournisseur, "A4", fournisseur=cast.siret("fournisseur"), moe=cast.siret("moe"),
                         moa=cast.siret("moa"))  # fmt: skip
    at_moe = await wait_status(moe, a4, MAD_MOE)
    dossier_id = at_moe["dossier_id"]
    a15 = await deposited(moe, "A15", a4)
    await wait_status(moa, a15, MAD_MOA)
    a19 = await deposited(moa, "A19", a15, destinataire=cast.siret("financier"), code_service="COMPTA")
    await wait_status(financier, a19, MAD_DEST)
    first = await clock.planned(dossier_id, "DELAI_PAIEMENT_DEPASSE")

    await clock.set(10)
    await acted(financier, a19, "suspendre", motif="attestation manquante")
    for _ in range(100):  # the clock stops: routing drops the deadline until the pièce is completed
        plan = (await clock.routing.get(f"/v1/dossiers/{dossier_id}/echeances")).json()["echeances"]
        if not any(e["echeance"] == "DELAI_PAIEMENT_DEPASSE" for e in plan):
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError(f"the délai still runs while suspended: {plan}")

    await clock.set(20)
    await acted(moa, a19, "completer", attachments=[("attestation.pdf", data.PDF, "application/pdf")])
    completed = await wait_status(financier, a19, MAD_DEST)
    completed_at = at(completed["historique"][-2]["at"])  # COMPLETEE
    resumed = await clock.planned(dossier_id, "DELAI_PAIEMENT_DEPASSE")
    assert at(resumed["due_at"]) == completed_at + timedelta(days=30) != at(first["due_at"])  # 20 days were left

    await clock.set(25)
    await acted(financier, a19, "suspendre", motif="encore une pièce")
    await wait_status(moa, a19, "SUSPENDUE")
    await settled(infrastructure, recorder, mails=False)  # routing has handled the second suspension
    again = await clock.planned(dossier_id, "DELAI_PAIEMENT_DEPASSE")
    assert again["due_at"] == resumed["due_at"]  # interrupted once only
    dossier = (await moa.client.get(f"/v1/dossiers/{dossier_id}")).json()["delai_paiement"]
    assert at(dossier["debut"]) == completed_at and dossier["periode_jours"] == 30


async def test_ccag_tacit_procedures_open_when_their_deadlines_pass(cast, clock, recorder):
    fournisseur, moe, moa, financier = (cast.agents[n] for n in ("fournisseur", "moe", "moa", "financier"))
    parties = {"fournisseur": cast.siret("fournisseur"), "moe": cast.siret("moe"), "moa": cast.siret("moa")}
    # the décompte général is not notified within 30 days: A22, then 10 days without answer: A23
    a7 = await deposited(fournisseur, "A7", **parties)
    received = await wait_status(moe, a7, MAD_MOE)
    a17 = await deposited(moe, "A17", a7)
    await wait_status(moa, a17, MAD_MOA)
    assert problem(await deposit(fournisseur, "A22", a17)) == (409, "delai_non_echu")
    planned = await clock.planned(received["dossier_id"], "DG_NON_NOTIFIE")
    assert at(planned["due_at"]) == at(received["historique"][1]["at"]) + timedelta(days=30)
    await clock.set(30.01)
    await published(recorder, received["dossier_id"], DeadlineReached)
    a22 = await deposited_once_open(fournisseur, "A22", a17)
    await wait_status(moa, a22, MAD_MOA)
    assert (await moa.client.get(f"/v1/pieces/{a17}")).json()["statut"] == "REMPLACEE_PAR_A22"
    assert problem(await deposit(fournisseur, "A23", a22, destinataire=cast.siret("financier"))) == (
        409,
        "delai_non_echu",
    )
    await clock.planned(received["dossier_id"], "A22_SANS_REPONSE")
    await clock.set(40.02)
    a23 = await deposited_once_open(fournisseur, "A23", a22, destinataire=cast.siret("financier"))
    await wait_status(financier, a23, MAD_DEST)

    # the décompte général is not returned signed within 30 days: the MOA files A25
    b7 = await deposited(fournisseur, "A7", **parties)
    await wait_status(moe, b7, MAD_MOE)
    b17 = await deposited(moe, "A17", b7)
    await wait_status(moa, b17, MAD_MOA)
    b20 = await deposited(moa, "A20", b17)
    notified = await wait_status(fournisseur, b20, MAD_FOURNISSEUR)
    assert problem(await deposit(moa, "A25", b20, destinataire=cast.siret("financier"))) == (409, "delai_non_echu")
    await clock.planned(notified["dossier_id"], "DG_NON_RETOURNE")
    await clock.set(70.03)
    b25 = await deposited_once_open(moa, "A25", b20, destinataire=cast.siret("financier"))
    await wait_status(financier, b25, MAD_DEST)
    events = await published(recorder, notified["dossier_id"], DeadlineReached)
    assert [e.data.echeance for e in events] == ["DG_NON_RETOURNE"] and events[0].data.piece_id == b20
