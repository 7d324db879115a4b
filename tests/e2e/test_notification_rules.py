"""The notification rules as the people of a dossier see them: one flow per rule of the table
(services/notification/src/notification/domain/rules.py), the mails read back from the real SMTP
catcher. Each test builds its own structures and users (fresh SIRETs, fresh addresses), so the
recipients of a pièce's mails are known exactly."""

import asyncio
import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts import topics
from messaging.kafka import make_producer
from tests.support.actors import Actor, Directory
from tests.support.circuit import acted, deposited, wait_status
from tests.support.mail import CaughtMail, wait_for_mail
from tests.support.services import http
from tests.support.settled import settled

PUBLIC = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
SERVICES = [{"code": "COMPTA", "libelle": "Comptabilité"}, {"code": "TRAVAUX", "libelle": "Travaux"}]
MAD_MOE, MAD_MOA, MAD_DEST = "MISE_A_DISPOSITION_MOE", "MISE_A_DISPOSITION_MOA", "MISE_A_DISPOSITION_DESTINATAIRE"
FOOTER = "Ce message est envoyé automatiquement ; merci de ne pas y répondre."


@dataclass
class Party:
    """A structure of the directory and the one user acting for it (None: nobody, mails go to its contact)."""

    structure: dict
    agent: Actor | None

    @property
    def siret(self) -> str:
        return self.structure["siret"]

    @property
    def nom(self) -> str:
        return self.structure["nom"]

    @property
    def address(self) -> str:
        return self.agent.email if self.agent else self.structure["email_contact"]


async def party(directory: Directory, name: str, with_agent: bool = True, **params) -> Party:
    structure = await directory.structure(name, **params)
    agent = await directory.user((structure["siret"], "MODIFICATION"), name=f"Agent {name}") if with_agent else None
    return Party(structure, agent)


@dataclass
class Cast:
    fournisseur: Party
    moe: Party
    moa: Party
    financier: Party


async def cast(directory: Directory, **financier_params) -> Cast:
    return Cast(
        fournisseur=await party(directory, "Entreprise Notif"),
        moe=await party(directory, "Cabinet Notif"),
        moa=await party(directory, "Commune Notif", **PUBLIC, presence_moa="EXCLUSIVEMENT_MOA"),
        financier=await party(
            directory, "Finances Notif", **PUBLIC, presence_moa="SANS_MOA", services=SERVICES, **financier_params
        ),
    )


# ---- the circuit, step by step -------------------------------------------------------------------


async def a4_at_moe(c: Cast) -> dict:
    a4 = await deposited(c.fournisseur.agent, "A4", fournisseur=c.fournisseur.siret, moe=c.moe.siret, moa=c.moa.siret)
    return await wait_status(c.moe.agent, a4, MAD_MOE)


async def a15_at_moa(c: Cast) -> dict:
    a4 = await a4_at_moe(c)
    a15 = await deposited(c.moe.agent, "A15", a4["piece_id"])
    return await wait_status(c.moa.agent, a15, MAD_MOA)


async def a19_deposited(c: Cast, destinataire: Party, **fields) -> str:
    a15 = await a15_at_moa(c)
    return await deposited(c.moa.agent, "A19", a15["piece_id"], destinataire=destinataire.siret, **fields)


# ---- reading the mails -----------------------------------------------------------------------------


def subject(kind: str, piece: dict, label: str) -> str:
    return f"[Travaux] {kind} — {piece['cadre']} n° {piece['numero']} — dossier {piece['dossier_id'][:8]} — {label}"


def shown(mail: CaughtMail) -> str:
    """The HTML part as a reader's screen shows its characters (entities decoded)."""
    return html.unescape(mail.html)


def of_piece(infrastructure, piece: dict, label: str | None = None) -> list[CaughtMail]:
    return [m for m in infrastructure.mail.messages() if _matches(m, piece, label)]


def _matches(mail: CaughtMail, piece: dict, label: str | None) -> bool:
    return f"n° {piece['numero']} " in mail.subject and (label is None or mail.subject.endswith(f" — {label}"))


async def mails(infrastructure, piece: dict, label: str, count: int) -> dict[str, CaughtMail]:
    """The mails of the pièce's change to ``label``, once ``count`` arrived, by their one recipient."""
    found = await wait_for_mail(infrastructure.mail, lambda m: _matches(m, piece, label), count=count)
    assert len(found) == count, [(m.to, m.subject) for m in found]
    assert all(len(m.to) == 1 for m in found), [m.to for m in found]
    by_recipient = {m.to[0].lower(): m for m in found}
    assert len(by_recipient) == count, f"a recipient got two mails: {[m.to for m in found]}"
    return by_recipient


async def no_more_mail(infrastructure, piece: dict, total: int) -> None:
    """Nothing arrives later for the pièce: no duplicate, no stray mail (every event handled, the mail
    queue empty: whatever the pièce's events made is in the catcher)."""
    await settled(infrastructure)
    late = of_piece(infrastructure, piece)
    assert len(late) == total, [(m.to, m.subject) for m in late]


async def sent_history(system, dossier_id: str, piece_id: str, count: int, timeout: float = 20.0) -> list[dict]:
    """The notification service's records for the pièce, once ``count`` of them say ``sent``."""
    async with http(system.notification_url, system.admin_token) as notification:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            response = await notification.get(f"/v1/dossiers/{dossier_id}/notifications")
            assert response.status_code == 200, response.text
            records = [r for r in response.json() if r["piece_id"] == piece_id]
            if sum(r["state"] == "sent" for r in records) >= count or asyncio.get_running_loop().time() > deadline:
                return records
            await asyncio.sleep(0.2)


def check_facts(mail: CaughtMail, piece: dict, label: str) -> None:
    """The facts table every mail carries, in both parts."""
    for part in (mail.text, shown(mail)):
        assert piece["dossier_id"] in part and piece["numero"] in part and label in part
        assert piece["fournisseur"] in part and "12000.00 EUR" in part and FOOTER in part
    assert "<table" in mail.html


# ---- 1. action expected / information ------------------------------------------------------------------


async def test_the_actor_who_must_act_is_called_to_act_and_the_other_parties_are_informed(
    system, directory, infrastructure
):
    c = await cast(directory)
    a4 = await a4_at_moe(c)
    action = a4["attente"]["action"]
    assert a4["attente"]["role"] == "MOE" and "état d'acompte (A15)" in action
    piece_url = f"{system.deposit_url}/v1/pieces/{a4['piece_id']}"
    dossier_url = f"{system.deposit_url}/v1/dossiers/{a4['dossier_id']}"
    label = "Mise à disposition de la MOE"

    got = await mails(infrastructure, a4, label, count=3)

    assert set(got) == {c.moe.address, c.fournisseur.address, c.moa.address}
    to_moe = got[c.moe.address]
    assert to_moe.subject == subject("Action attendue", a4, label)
    assert f"Une action est attendue de {c.moe.nom} (maîtrise d'œuvre)" in to_moe.text
    assert f"Action attendue : {action}" in to_moe.text
    assert f"Consulter la pièce : {piece_url}" in to_moe.text and f"Consulter le dossier : {dossier_url}" in to_moe.text
    assert f"<strong>{c.moe.nom}</strong> (maîtrise d'œuvre)" in shown(to_moe)
    assert f"<strong>Action attendue :</strong> {action}" in shown(to_moe)
    assert f'<a href="{piece_url}">Consulter la pièce</a>' in shown(to_moe)
    check_facts(to_moe, a4, label)
    for informed, role_label in ((c.fournisseur, "fournisseur"), (c.moa, "maîtrise d'ouvrage")):
        mail = got[informed.address]
        assert mail.subject == subject("Information", a4, label)
        assert f"Pour information de {informed.nom} ({role_label}) : une pièce" in mail.text
        assert f"Action attendue de la part de : MOE (SIRET {c.moe.siret})" in mail.text
        assert f"Consulter le dossier : {dossier_url}" in mail.text and piece_url not in mail.text
        assert f"<strong>{informed.nom}</strong> ({role_label})" in shown(mail)
        assert f'<a href="{dossier_url}">Consulter le dossier</a>' in shown(mail)
        assert action not in mail.text  # the call to action is for the MOE alone
        check_facts(mail, a4, label)
    # the deposit itself (DEPOSEE, by the fournisseur) mailed nobody
    await no_more_mail(infrastructure, a4, 3)


# ---- 2. dossier enriched ---------------------------------------------------------------------------------


async def test_a_piece_deposited_by_the_moe_enriches_the_dossier_for_the_other_parties(
    system, directory, infrastructure
):
    c = await cast(directory)
    a4 = await a4_at_moe(c)
    a15_id = await deposited(c.moe.agent, "A15", a4["piece_id"])
    a15 = await wait_status(c.moa.agent, a15_id, MAD_MOA)
    dossier_url = f"{system.deposit_url}/v1/dossiers/{a15['dossier_id']}"

    enriched = await mails(infrastructure, a15, "Déposée", count=2)

    assert set(enriched) == {c.fournisseur.address, c.moa.address}  # not the MOE, who deposited it
    for reader, role_label in ((c.fournisseur, "fournisseur"), (c.moa, "maîtrise d'ouvrage")):
        mail = enriched[reader.address]
        assert mail.subject == subject("Dossier enrichi", a15, "Déposée")
        assert f"Pour information de {reader.nom} ({role_label}) : une nouvelle pièce a été déposée" in mail.text
        assert "A15 — Dépôt par une MOE d'un état d'acompte" in mail.text
        assert f"Consulter le dossier : {dossier_url}" in mail.text
        assert f"<strong>{reader.nom}</strong> ({role_label})" in shown(mail)
        assert f'<a href="{dossier_url}">Consulter le dossier</a>' in shown(mail)
        check_facts(mail, a15, "Déposée")
    # then it reaches the MOA: the MOA is called to act, the fournisseur and the MOE informed
    label = "Mise à disposition de la MOA"
    reached = await mails(infrastructure, a15, label, count=3)
    assert {a: m.subject for a, m in reached.items()} == {
        c.moa.address: subject("Action attendue", a15, label),
        c.fournisseur.address: subject("Information", a15, label),
        c.moe.address: subject("Information", a15, label),
    }
    assert f"Action attendue : {a15['attente']['action']}" in reached[c.moa.address].text
    await no_more_mail(infrastructure, a15, 5)
    await no_more_mail(infrastructure, a4, 3)  # the A4 becoming ASSOCIEE mails nobody


# ---- 3. returned to the issuer, with the motif --------------------------------------------------------


async def test_a_piece_returned_to_its_issuer_is_mailed_to_it_with_the_motif(system, directory, infrastructure):
    c = await cast(directory)
    strict = await party(
        directory, "Finances Strictes", **PUBLIC, presence_moa="SANS_MOA", services=SERVICES,
        code_service_obligatoire=True,
    )  # fmt: skip

    # the MOA refuses the MOE's A15: wrong MOA
    a15 = await a15_at_moa(c)
    await acted(c.moa.agent, a15["piece_id"], "refuser", motif="MAUVAISE_MOA", commentaire="pas notre opération")
    refused = await wait_status(c.moe.agent, a15["piece_id"], "REFUSEE_MOA")
    label = "Refusée par la MOA"
    got = await mails(infrastructure, a15, label, count=3)
    assert {a: m.subject for a, m in got.items()} == {
        c.moe.address: subject("Pièce retournée", a15, label),
        c.fournisseur.address: subject("Information", a15, label),
        c.moa.address: subject("Information", a15, label),
    }
    back = got[c.moe.address]
    assert f"déposée par {c.moe.nom} (maîtrise d'œuvre) vous est retournée : {label}." in back.text
    assert "Motif : MAUVAISE_MOA" in back.text and "Précision : pas notre opération" in back.text
    assert f"Action attendue : {refused['attente']['action']}" in back.text and "recycler" in back.text
    assert "<strong>Motif :</strong> MAUVAISE_MOA" in shown(back)
    assert "<strong>Précision :</strong> pas notre opération" in shown(back)
    assert f'<a href="{system.deposit_url}/v1/pieces/{a15["piece_id"]}">Consulter la pièce</a>' in shown(back)
    check_facts(back, a15, label)
    assert "MAUVAISE_MOA" not in got[c.fournisseur.address].text

    # the service financier suspends the MOA's A19: an attachment is missing
    a19_id = await a19_deposited(c, c.financier)
    a19 = await wait_status(c.financier.agent, a19_id, MAD_DEST)
    await acted(c.financier.agent, a19_id, "suspendre", motif="attestation manquante")
    await wait_status(c.moa.agent, a19_id, "SUSPENDUE")
    got = await mails(infrastructure, a19, "Suspendue", count=4)
    assert {a: m.subject for a, m in got.items()} == {
        c.moa.address: subject("Pièce retournée", a19, "Suspendue"),
        **{p.address: subject("Information", a19, "Suspendue") for p in (c.fournisseur, c.moe, c.financier)},
    }
    back = got[c.moa.address]
    assert f"déposée par {c.moa.nom} (maîtrise d'ouvrage) vous est retournée : Suspendue." in back.text
    assert "Motif : attestation manquante" in back.text and "compléter" in back.text
    assert "<strong>Motif :</strong> attestation manquante" in shown(back)
    check_facts(back, a19, "Suspendue")

    # a routing error: the destinataire requires a code service the A19 lacks
    a19_id = await a19_deposited(c, strict)
    in_error = await wait_status(c.moa.agent, a19_id, "ERREUR_ACHEMINEMENT")
    detail = in_error["historique"][-1]["comment"]
    assert in_error["motif"] == "code_service_obligatoire" and "code service obligatoire" in detail
    label = "Erreur d'acheminement"
    got = await mails(infrastructure, in_error, label, count=4)
    assert {a: m.subject for a, m in got.items()} == {
        c.moa.address: subject("Pièce retournée", in_error, label),
        **{p.address: subject("Information", in_error, label) for p in (c.fournisseur, c.moe, strict)},
    }
    back = got[c.moa.address]
    assert "Motif : code_service_obligatoire" in back.text and f"Précision : {detail}" in back.text
    assert f"<strong>Précision :</strong> {detail}" in shown(back)
    assert "<strong>Motif :</strong> code_service_obligatoire" in shown(back)
    assert f"Action attendue : {in_error['attente']['action']}" in back.text
    check_facts(back, in_error, label)

    # recycled with the code, then rejected by the service financier
    await acted(c.moa.agent, a19_id, "recycler", code_service="COMPTA")
    await wait_status(strict.agent, a19_id, MAD_DEST)
    await acted(strict.agent, a19_id, "rejeter", motif="pièce inexploitable")
    await wait_status(c.moa.agent, a19_id, "REJETEE")
    got = await mails(infrastructure, in_error, "Rejetée", count=1)  # nobody acts next: the issuer alone
    back = got[c.moa.address]
    assert back.subject == subject("Pièce retournée", in_error, "Rejetée")
    assert "vous est retournée : Rejetée." in back.text and "Motif : pièce inexploitable" in back.text
    assert "Action attendue" not in back.text
    assert "<strong>Motif :</strong> pièce inexploitable" in shown(back)
    check_facts(back, in_error, "Rejetée")
    await no_more_mail(infrastructure, a15, 2 + 3 + 3)  # deposited (enriched), at the MOA, refused
    await no_more_mail(
        infrastructure, in_error, 3 + 4 + 4 + 1
    )  # deposited, error, recycled to the destinataire, rejected


# ---- 4. the titulaire and its 15 days -------------------------------------------------------------------


async def test_the_titulaire_is_told_of_a_sous_traitant_a10_with_its_15_days(system, directory, infrastructure):
    titulaire = await party(directory, "Titulaire Notif")
    sous_traitant = await party(directory, "Sous Traitant Notif")
    moe = await party(directory, "Cabinet Notif A10")
    a10_id = await deposited(
        sous_traitant.agent, "A10", fournisseur=sous_traitant.siret, valideur=titulaire.siret, moe=moe.siret
    )
    a10 = await wait_status(titulaire.agent, a10_id, "A_VALIDER_1")
    asked_at = datetime.fromisoformat(a10["historique"][-1]["at"])
    before = (asked_at + timedelta(days=15)).strftime("%d/%m/%Y")
    label = "À valider (titulaire ou mandataire)"

    got = await mails(infrastructure, a10, label, count=3)

    assert {a: m.subject for a, m in got.items()} == {
        titulaire.address: subject("Action attendue", a10, label),
        sous_traitant.address: subject("Information", a10, label),
        moe.address: subject("Information", a10, label),
    }
    to_titulaire = got[titulaire.address]
    assert f"Une action est attendue de {titulaire.nom} (titulaire ou mandataire)" in to_titulaire.text
    assert f"Action attendue : {a10['attente']['action']}" in to_titulaire.text
    assert (
        f"Sans réponse de votre part avant le {before}, la demande de paiement sera réputée acceptée "
        "et transmise à la maîtrise d'œuvre." in to_titulaire.text
    )
    assert f"avant le <strong>{before}</strong>, la demande de paiement sera réputée acceptée" in shown(to_titulaire)
    assert f'<a href="{system.deposit_url}/v1/pieces/{a10_id}">Consulter la pièce</a>' in shown(to_titulaire)
    check_facts(to_titulaire, a10, label)
    for informed in (sous_traitant, moe):
        assert "réputée acceptée" not in got[informed.address].text
        assert f"Action attendue de la part de : VALIDEUR (SIRET {titulaire.siret})" in got[informed.address].text
    await no_more_mail(infrastructure, a10, 3)


# ---- 5. mise en paiement ---------------------------------------------------------------------------------


async def paid(c: Cast, financier: Party) -> dict:
    a19_id = await a19_deposited(c, financier)
    await wait_status(financier.agent, a19_id, MAD_DEST)
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        await acted(financier.agent, a19_id, "traiter", statut=statut)
    return await wait_status(financier.agent, a19_id, "MISE_EN_PAIEMENT")  # hidden or not from the fournisseur


async def test_the_mise_en_paiement_is_told_to_the_fournisseur_unless_hidden_and_to_the_moe_and_the_moa(
    system, directory, infrastructure
):
    shown_to_fournisseur = await cast(directory)
    hidden = await cast(directory, mise_en_paiement_masquee=True)
    a19, masked_a19 = await asyncio.gather(paid(shown_to_fournisseur, shown_to_fournisseur.financier),
                                           paid(hidden, hidden.financier))  # fmt: skip
    label = "Mise en paiement"

    got = await mails(infrastructure, a19, label, count=3)

    c = shown_to_fournisseur
    assert {a: m.subject for a, m in got.items()} == {
        p.address: subject("Mise en paiement", a19, label) for p in (c.fournisseur, c.moe, c.moa)
    }
    mail = got[c.fournisseur.address]
    assert (
        f"La demande de paiement de {c.fournisseur.nom} (fournisseur) a été mise en paiement par le service financier."
        in mail.text
    )
    assert f"<strong>{c.fournisseur.nom}</strong> (fournisseur) a été <strong>mise en paiement</strong>" in shown(mail)
    dossier_url = f"{system.deposit_url}/v1/dossiers/{a19['dossier_id']}"
    assert f"Consulter le dossier : {dossier_url}" in mail.text
    check_facts(mail, a19, label)
    for informed, role_label in ((c.moe, "maîtrise d'œuvre"), (c.moa, "maîtrise d'ouvrage")):
        told = got[informed.address]
        assert (
            f"Pour information de {informed.nom} ({role_label}) : la demande de paiement du fournisseur "
            f"{c.fournisseur.siret} a été mise en paiement par le service financier." in told.text
        )
        check_facts(told, a19, label)

    # The destinataire hid it: the MOE and the MOA are told, the fournisseur is not. The mails of one event
    # are queued in one transaction, so once these two arrived the ledger holds every mail of that event.
    masked = await mails(infrastructure, masked_a19, label, count=2)
    assert set(masked) == {hidden.moe.address, hidden.moa.address}
    records = await sent_history(system, masked_a19["dossier_id"], masked_a19["piece_id"], 0)
    assert sorted(r["email"] for r in records if r["statut"] == "MISE_EN_PAIEMENT") == sorted(masked)
    mandated = await mails(infrastructure, masked_a19, "Mandatée", count=4)  # the changes before: to all
    assert hidden.fournisseur.address in mandated
    await no_more_mail(infrastructure, a19, len(of_piece(infrastructure, a19)))


# ---- 6. who receives a structure's mail ----------------------------------------------------------------


async def test_a_structure_mail_reaches_its_users_of_the_service_else_its_contact_address(
    system, directory, infrastructure
):
    fournisseur = await party(directory, "Entreprise Services")
    moe = await party(directory, "Cabinet Sans Utilisateur", with_agent=False)
    financier = await directory.structure("Finances Services", **PUBLIC, presence_moa="SANS_MOA", services=SERVICES)
    compta = await directory.user((financier["siret"], "MODIFICATION", "COMPTA"), name="Agent Compta")
    travaux = await directory.user((financier["siret"], "MODIFICATION", "TRAVAUX"), name="Agent Travaux")
    everyone = await directory.user((financier["siret"], "CONSULTATION"), name="Agent Toute Structure")
    a6_id = await deposited(fournisseur.agent, "A6", fournisseur=fournisseur.siret, moe=moe.siret,
                            destinataire=financier["siret"], code_service="COMPTA")  # fmt: skip
    a6 = await wait_status(compta, a6_id, MAD_DEST)
    label = "Mise à disposition du destinataire"

    got = await mails(infrastructure, a6, label, count=4)

    assert {a: m.subject for a, m in got.items()} == {
        compta.email: subject("Action attendue", a6, label),
        everyone.email: subject("Action attendue", a6, label),
        fournisseur.address: subject("Information", a6, label),
        moe.structure["email_contact"]: subject("Information", a6, label),
    }
    assert travaux.email not in got and financier["email_contact"] not in got
    for agent in (compta, everyone):
        assert f"Une action est attendue de {financier['nom']} (service financier)" in got[agent.email].text
    assert f"Pour information de {moe.nom} (maîtrise d'œuvre)" in got[moe.structure["email_contact"]].text
    records = await sent_history(system, a6["dossier_id"], a6_id, 4)
    assert sorted((r["email"], r["template"], r["state"]) for r in records) == sorted(
        [
            (compta.email, "action_attendue", "sent"),
            (everyone.email, "action_attendue", "sent"),
            (fournisseur.address, "information", "sent"),
            (moe.structure["email_contact"], "information", "sent"),
        ]
    )
    await no_more_mail(infrastructure, a6, 4)


# ---- 7. the same event twice ---------------------------------------------------------------------------


async def test_a_status_event_delivered_twice_mails_each_recipient_once(system, directory, infrastructure, recorder):
    c = await cast(directory)
    a4 = await a4_at_moe(c)
    label = "Mise à disposition de la MOE"
    first = await mails(infrastructure, a4, label, count=3)
    [original] = await recorder.wait_for(
        topics.PIECES_STATUS, lambda r: r.is_about(a4["piece_id"]) and r.event.data.statut == MAD_MOE
    )

    producer = make_producer(infrastructure.kafka, "tests-redelivery")
    await producer.start()
    try:
        await producer.send_and_wait(
            topics.PIECES_STATUS,
            value=original.value,
            key=a4["dossier_id"].encode(),
            headers=list(original.headers.items()) or None,
        )
    finally:
        await producer.stop()
    copies = await recorder.wait_for(topics.PIECES_STATUS, lambda r: r.value == original.value, count=2)
    assert len(copies) == 2 and copies[0].event.id == copies[1].event.id

    # A later event of the same dossier (same key, same partition) is handled after the copy: once its
    # mails are in, the copy was handled too.
    a15_id = await deposited(c.moe.agent, "A15", a4["piece_id"])
    a15 = await wait_status(c.moa.agent, a15_id, MAD_MOA)
    await mails(infrastructure, a15, "Déposée", count=2)
    await settled(infrastructure)  # and a mail the copy queued would have been sent

    again = [m for m in of_piece(infrastructure, a4) if m.subject.endswith(label)]
    assert sorted(m.to[0].lower() for m in again) == sorted(first)
    assert {m.message_id for m in again} == {m.message_id for m in first.values()}
    records = await sent_history(system, a4["dossier_id"], a4["piece_id"], 3)
    assert sorted((r["email"], r["template"], r["state"]) for r in records) == sorted(
        [
            (c.moe.address, "action_attendue", "sent"),
            (c.fournisseur.address, "information", "sent"),
            (c.moa.address, "information", "sent"),
        ]
    )
    assert {r["event_id"] for r in records} == {str(original.event.id)}
    await no_more_mail(infrastructure, a4, 3)
