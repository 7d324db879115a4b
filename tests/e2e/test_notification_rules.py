"""The notification rules as the people of a dossier see them, the mails read back from the real SMTP
catcher: the call to action and the information of the other parties, in full (the wiring: status
stream → rules → directory → queue → sender → SMTP), and a status event the broker delivers twice. Each
test builds its own structures and users (fresh SIRETs, fresh addresses), so the recipients of a pièce's
mails are known exactly.

Who gets which mail for every rule of the table (services/notification/src/notification/domain/rules.py)
is tested on the service layer, in milliseconds: services/notification/tests/service/test_queueing.py
(enriched dossier, pièce returned with its motif, the titulaire's 15 days, the mise en paiement hidden or
not, a structure's users of the service else its contact address)."""

import asyncio
import html
from dataclasses import dataclass

from contracts import topics
from messaging.kafka import make_producer
from tests.support.actors import Actor, Directory
from tests.support.circuit import deposited, wait_status
from tests.support.mail import CaughtMail, wait_for_mail
from tests.support.services import http
from tests.support.settled import settled

PUBLIC = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
MAD_MOE, MAD_MOA = "MISE_A_DISPOSITION_MOE", "MISE_A_DISPOSITION_MOA"
FOOTER = "Ce message est envoyé automatiquement ; merci de ne pas y répondre."


@dataclass
class Party:
    """A structure of the directory and the one user acting for it."""

    structure: dict
    agent: Actor

    @property
    def siret(self) -> str:
        return self.structure["siret"]

    @property
    def nom(self) -> str:
        return self.structure["nom"]

    @property
    def address(self) -> str:
        return self.agent.email


async def party(directory: Directory, name: str, **params) -> Party:
    structure = await directory.structure(name, **params)
    return Party(structure, await directory.user((structure["siret"], "MODIFICATION"), name=f"Agent {name}"))


@dataclass
class Cast:
    fournisseur: Party
    moe: Party
    moa: Party


async def cast(directory: Directory) -> Cast:
    return Cast(
        fournisseur=await party(directory, "Entreprise Notif"),
        moe=await party(directory, "Cabinet Notif"),
        moa=await party(directory, "Commune Notif", **PUBLIC, presence_moa="EXCLUSIVEMENT_MOA"),
    )


# ---- the circuit, step by step -------------------------------------------------------------------


async def a4_at_moe(c: Cast) -> dict:
    a4 = await deposited(c.fournisseur.agent, "A4", fournisseur=c.fournisseur.siret, moe=c.moe.siret, moa=c.moa.siret)
    return await wait_status(c.moe.agent, a4, MAD_MOE)


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


# ---- 2. the same event twice ---------------------------------------------------------------------------


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
