"""Delivery under failure, against the real SMTP server of the tests: down during a stream of 200 status
events until the sender has failed on them, a recipient refused with 550 (dead letter, then replay once
fixed), and the notification worker killed with -9 in the middle of a stream."""

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import Counter

import pytest_asyncio
from pymongo import AsyncMongoClient

from contracts import topics
from tests.support import data
from tests.support.mail import InProcessCatcher, nothing_left_to_send, wait_for_mail
from tests.support.services import http
from tests.support.settled import settled


@pytest_asyncio.fixture
async def stage(directory):
    """A fournisseur with its agent; a MOE and a MOA without users, mailed at their contact address."""
    return await directory.stage("Courriel")


def catcher(infrastructure) -> InProcessCatcher:
    mail = infrastructure.mail
    assert isinstance(mail, InProcessCatcher), "these tests stop and refuse mail: they need the in-process server"
    return mail


async def deposit_a4s(stage, count: int, concurrency: int = 8) -> list[str]:
    """Deposit ``count`` A4s; returns their numéros (each A4 at the MOE mails 3 addresses)."""
    numeros: list[str] = []
    queue = [
        data.piece(stage["fournisseur"]["siret"], stage["moe"]["siret"], stage["moa"]["siret"]) for _ in range(count)
    ]

    async def worker() -> None:
        while queue:
            body = queue.pop()
            response = await stage["agent"].client.post("/v1/pieces", files=data.multipart(body))
            assert response.status_code == 201, response.text
            numeros.append(body["numero"])

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return numeros


def expected_recipients(stage) -> set[str]:
    return {stage["moe"]["email_contact"], stage["moa"]["email_contact"], stage["agent"].email}


def to_the(stage) -> dict:
    """The mail-queue query of every mail to the stage's recipients (made for this test alone)."""
    return {"email": {"$in": [re.compile(f"^{re.escape(to)}$", re.IGNORECASE) for to in expected_recipients(stage)]}}


def ours(mail, numeros: set[str]) -> str | None:
    return next((n for n in numeros if n in mail.subject), None)


async def _retrying(infrastructure, count: int, timeout: float = 90.0) -> None:
    """Once the sender has failed on at least ``count`` queued mails and put them off (``retrying``)."""
    client = AsyncMongoClient(infrastructure.mongodb_uri, tz_aware=True)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while await client["notification"]["deliveries"].count_documents({"state": "retrying"}) < count:
            assert asyncio.get_running_loop().time() < deadline, f"the sender never failed on {count} mails"
            await asyncio.sleep(0.2)
    finally:
        await client.close()


async def test_smtp_down_during_200_status_events_then_every_mail_once(stage, infrastructure, recorder):
    smtp = catcher(infrastructure)
    smtp.down()
    try:
        numeros = set(await deposit_a4s(stage, 100))  # 100 × (DEPOSEE, MISE_A_DISPOSITION_MOE) = 200 events
        status_events = await recorder.wait_for(
            topics.PIECES_STATUS, lambda r: r.event is not None and r.event.data.piece.numero in numeros, 200, 60
        )
        assert len(status_events) == 200
        await _retrying(infrastructure, 150)  # the server stays down until the sender failed on most of them
        assert [m for m in smtp.messages() if ours(m, numeros)] == []
    finally:
        smtp.up()
    await wait_for_mail(smtp, lambda m: ours(m, numeros) is not None, count=300, timeout=90)
    await nothing_left_to_send(infrastructure, to_the(stage))  # a duplicate would be in now
    mails = [m for m in smtp.messages() if ours(m, numeros)]
    per_piece = Counter((ours(m, numeros), m.to[0]) for m in mails)
    assert len(per_piece) == 300, f"{300 - len(per_piece)} mails never arrived"
    assert set(per_piece.values()) == {1}, "a mail arrived twice"
    assert {to for _, to in per_piece} == expected_recipients(stage)


async def test_a_refused_recipient_goes_to_the_dead_letters_and_its_replay_delivers_it(
    system, stage, infrastructure, recorder
):
    smtp = catcher(infrastructure)
    refused = stage["moe"]["email_contact"].lower()
    smtp.refused.add(refused)
    try:
        [numero] = await deposit_a4s(stage, 1)
        delivered = await wait_for_mail(smtp, lambda m: numero in m.subject, count=2)
        assert {m.to[0] for m in delivered} == expected_recipients(stage) - {stage["moe"]["email_contact"]}
        [dead] = await recorder.wait_for(
            topics.dead_letter(topics.PIECES_STATUS), lambda r: numero in (r.value or b"").decode(), 1, 30
        )
        assert dead.headers["dlt-code"] == b"smtp_rejected" and b"550" in dead.headers["dlt-reason"]
        assert dead.headers["dlt-consumer"] == b"notification"
        dossier_id = dead.key.decode()
        async with http(system.notification_url, system.admin_token) as notification:
            history = (await notification.get(f"/v1/dossiers/{dossier_id}/notifications")).json()
        states = {h["email"].lower(): h["state"] for h in history}
        assert states[refused] == "dead" and "550" in next(h["error"] for h in history if h["state"] == "dead")
    finally:
        smtp.refused.discard(refused)

    # the mailbox is fixed: the documented replay command delivers the mail, once
    replay = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "notification.replay"],
        env={**os.environ, **system.env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    assert "revived=1 " in replay.stdout, replay.stdout
    [mail] = await wait_for_mail(smtp, lambda m: numero in m.subject and m.to[0].lower() == refused, count=1)
    assert mail.subject.startswith("[Travaux] Action attendue")
    again = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "notification.replay"], env={**os.environ, **system.env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0 and "revived=0" in again.stdout, again.stdout
    await settled(infrastructure, recorder)  # a mail revived twice would be queued, then sent, by now
    assert len([m for m in smtp.messages() if numero in m.subject]) == 3


async def _delivery_states(infrastructure, missing: set[tuple[str, str]]) -> list:
    """What the notification service's ledger and queue say of mails that did not arrive (diagnosis)."""
    client = AsyncMongoClient(infrastructure.mongodb_uri, tz_aware=True)
    try:
        found = []
        for numero, to in sorted(missing):
            query = {"email": to, "subject": {"$regex": numero}}
            ledger = await client["notification"]["deliveries"].find_one(query, {"text": 0, "html": 0})
            queued = await client["notification"]["mail_queue"].find_one(query, {"text": 0, "html": 0})
            found.append({"mail": (numero, to), "ledger": ledger, "queue": queued})
        return found
    finally:
        await client.close()


async def test_kill_9_of_notification_mid_stream_loses_no_mail(system, stage, infrastructure):
    smtp = catcher(infrastructure)
    numeros = set(await deposit_a4s(stage, 100))
    for _ in range(600):
        if len([m for m in smtp.messages() if ours(m, numeros)]) >= 60:
            break
        await asyncio.sleep(0.02)
    os.kill(system.pid("notification"), signal.SIGKILL)
    before_kill = len([m for m in smtp.messages() if ours(m, numeros)])
    await asyncio.to_thread(system.restart, "notification")
    await wait_for_mail(smtp, lambda m: ours(m, numeros) is not None, count=300, timeout=120)
    await nothing_left_to_send(infrastructure, to_the(stage))  # a mail resent after the kill is in now
    mails = [m for m in smtp.messages() if ours(m, numeros)]
    per_recipient = Counter((ours(m, numeros), m.to[0]) for m in mails)
    assert 0 < before_kill < 300, "the kill must land in the middle of the stream"
    if len(per_recipient) < 300:
        expected = {(n, to) for n in numeros for to in expected_recipients(stage)}
        missing = expected - set(per_recipient)
        raise AssertionError(f"{len(missing)} mails lost: {await _delivery_states(infrastructure, missing)}")
    duplicated = {k: n for k, n in per_recipient.items() if n > 1}
    # The one window: accepted by the SMTP server, killed before the record said « sent ». At most the
    # mails in flight at the kill (SENDER_CONCURRENCY = 4), resent with the same Message-ID.
    print(f"kill -9 of notification: {before_kill} mails before the kill, {len(duplicated)} resent")
    assert len(duplicated) <= 4 and all(n == 2 for n in duplicated.values())
    for numero, to in duplicated:
        ids = {m.message_id for m in mails if numero in m.subject and m.to[0] == to}
        assert len(ids) == 1, "a resent mail keeps its Message-ID"
