"""A fournisseur deposits an A4 with its PDF; it travels deposit → routing → deposit → notification
and archive; the user sees the history over HTTP, the e-mails in the catcher, the events on the topic."""

import asyncio
from datetime import datetime

from contracts import PieceStatusChanged, Role, Statut, topics
from tests.support import data
from tests.support.mail import wait_for_mail
from tests.support.services import http
from tests.support.settled import settled


async def wait_for_status(deposit, piece_id: str, statut: str, timeout: float = 30.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        body = (await deposit.get(f"/v1/pieces/{piece_id}")).json()
        if body["statut"] == statut or asyncio.get_running_loop().time() > deadline:
            return body
        await asyncio.sleep(0.2)


async def test_an_a4_reaches_the_moe_who_is_mailed(system, directory, recorder, infrastructure):
    fournisseur = await directory.structure("Entreprise Squelette")
    moe = await directory.structure("Cabinet Squelette")
    moa = await directory.structure("Commune Squelette", public=True, presence_moa="AVEC_MOA")
    agent = await directory.user((fournisseur["siret"], "MODIFICATION"), name="Agent Fournisseur")
    architecte = await directory.user((moe["siret"], "MODIFICATION"), name="Architecte")
    deposit = agent.client  # the MOA has no user: its mails go to the structure's contact address
    # Notification learns who the users are from the directory's topic, read beside the pièces' topics: a
    # person invited a moment ago is known to it once it has read that far (else the contact address is
    # mailed). The first test of a session meets consumers that have just joined: wait for them here.
    await settled(infrastructure, mails=False)
    body = data.piece(fournisseur["siret"], moe["siret"], moa["siret"])

    response = await deposit.post("/v1/pieces", files=data.multipart(body))

    assert response.status_code == 201, response.text
    accepted = response.json()
    assert accepted["statut"] == "DEPOSEE"
    piece_id, dossier_id = accepted["piece_id"], accepted["dossier_id"]
    assert response.headers["location"] == f"/v1/pieces/{piece_id}"

    piece = await wait_for_status(deposit, piece_id, "MISE_A_DISPOSITION_MOE")
    assert piece["statut"] == "MISE_A_DISPOSITION_MOE"
    history = piece["historique"]
    assert [h["statut"] for h in history] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]
    stamps = [datetime.fromisoformat(h["at"]) for h in history]
    assert stamps[0] <= stamps[1]
    assert piece["montant_ttc"] == "12000.00" and piece["cadre"] == "A4" and piece["moe"] == moe["siret"]

    dossier = (await deposit.get(f"/v1/dossiers/{dossier_id}")).json()
    assert [p["piece_id"] for p in dossier["pieces"]] == [piece_id]
    assert [h["statut"] for h in dossier["pieces"][0]["historique"]] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]
    assert (await deposit.get(f"/v1/pieces/{piece_id}/historique")).json() == history

    document = await deposit.get(f"/v1/pieces/{piece_id}/document")
    assert document.status_code == 200 and document.content == data.PDF
    assert document.headers["content-type"] == "application/pdf"

    # E-mails: the MOE's user is called to act; the fournisseur's user and the MOA (no user: its
    # contact address) are informed. One each.
    numero = body["numero"]
    mails = await wait_for_mail(infrastructure.mail, lambda m: numero in m.subject, count=3)
    by_recipient = {m.to[0]: m for m in mails}
    assert len(mails) == 3 and set(by_recipient) == {architecte.email, agent.email, moa["email_contact"]}
    to_moe = by_recipient[architecte.email]
    assert to_moe.subject.startswith("[Travaux] Action attendue — A4 n° " + numero)
    assert "Action attendue" in to_moe.text and "état d'acompte (A15)" in to_moe.text
    assert f"/v1/pieces/{piece_id}" in to_moe.text and "12000.00 EUR" in to_moe.text and "<table" in to_moe.html
    for informed in (agent.email, moa["email_contact"]):
        mail = by_recipient[informed]
        assert mail.subject.startswith("[Travaux] Information — A4 n° " + numero)
        assert dossier_id in mail.text

    # The public stream, as a downstream subscriber sees it: both status changes, keyed by dossier.
    events = await recorder.wait_for(topics.PIECES_STATUS, lambda r: r.is_about(piece_id), count=2)
    assert [r.key for r in events] == [dossier_id.encode()] * 2
    changes: list[PieceStatusChanged] = [r.event.data for r in events]
    assert [(c.previous_statut, c.statut) for c in changes] == [
        (None, Statut.DEPOSEE),
        (Statut.DEPOSEE, Statut.MISE_A_DISPOSITION_MOE),
    ]
    assert changes[1].expected_action.role is Role.MOE and changes[1].expected_action.siret == moe["siret"]

    # Archive knows the dossier's last activity: the moment it reached the MOE.
    async with http(system.archive_url, agent.token) as archive:  # a party of the dossier
        for _ in range(100):
            activity = await archive.get(f"/v1/dossiers/{dossier_id}/activite")
            if activity.status_code == 200 and "MISE_A_DISPOSITION_MOE" in activity.json()["statuts_vus"]:
                break
            await asyncio.sleep(0.2)
    assert activity.status_code == 200, activity.text
    assert datetime.fromisoformat(activity.json()["last_activity_at"]) == changes[1].changed_at

    # Notification's own record of what it sent.
    async with http(system.notification_url, agent.token) as notification:
        sent = (await notification.get(f"/v1/dossiers/{dossier_id}/notifications")).json()
    assert sorted((s["email"], s["state"], s["template"]) for s in sent) == sorted(
        [
            (architecte.email, "sent", "action_attendue"),
            (agent.email, "sent", "information"),
            (moa["email_contact"], "sent", "information"),
        ]
    )

    # Nothing more arrives later: no duplicate e-mail (every event handled, no mail left to send).
    await settled(infrastructure, recorder)
    assert len([m for m in infrastructure.mail.messages() if numero in m.subject]) == 3


async def test_a_retried_deposit_with_the_same_idempotency_key_stores_once(deposit, parties, recorder):
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    headers = {"Idempotency-Key": f"retry-{body['numero']}"}

    first = await deposit.post("/v1/pieces", files=data.multipart(body), headers=headers)
    second = await deposit.post("/v1/pieces", files=data.multipart(body), headers=headers)

    assert first.status_code == 201 and second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true"
    # One pièce under that numero, announced once; had the retry stored a second, the search would show it.
    found = (await deposit.get("/v1/pieces", params={"numero": body["numero"]})).json()
    assert [r["piece_id"] for r in found["resultats"]] == [first.json()["piece_id"]]
    await recorder.wait_for(topics.PIECES_SUBMITTED, lambda r: r.is_about(first.json()["piece_id"]))

    other = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    reused = await deposit.post("/v1/pieces", files=data.multipart(other), headers=headers)
    assert reused.status_code == 422 and reused.json()["code"] == "cle_idempotence_reutilisee"


async def test_attachments_are_stored_and_given_back_byte_for_byte(deposit, parties):
    metre = b"PK\x03\x04 a spreadsheet of quantities"
    signature = b"0\x82\x01 a detached signature"
    body = data.piece(
        parties["fournisseur"]["siret"],
        parties["moe"]["siret"],
        type_tva="SANS_TVA",
        montant_tva="0.00",
        montant_ttc="10000.00",
        montant_a_payer="10000.00",
    )
    parts = data.multipart(
        body,
        attachments=[
            ("metre.xlsx", metre, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("pdm.pdf.p7s", signature, "application/pkcs7-signature"),
        ],
    )

    response = await deposit.post("/v1/pieces", files=parts)

    assert response.status_code == 201, response.text
    piece = (await deposit.get(response.json()["links"]["piece"]["href"])).json()
    assert piece["type_tva"] == "SANS_TVA" and piece["montant_tva"] == "0.00"
    assert [(a["filename"], a["size"]) for a in piece["pieces_jointes"]] == [
        ("metre.xlsx", len(metre)),
        ("pdm.pdf.p7s", len(signature)),
    ]
    for attachment, content in zip(piece["pieces_jointes"], (metre, signature), strict=True):
        downloaded = await deposit.get(attachment["href"])
        assert downloaded.status_code == 200 and downloaded.content == content
    missing = await deposit.get(f"/v1/pieces/{piece['piece_id']}/pieces-jointes/2")
    assert missing.status_code == 404 and missing.json()["code"] == "piece_jointe_inconnue"
