"""The broker, then the database, killed (-9) in the middle of 150 deposits and started again as `make up`
would: no manual step, and every pièce reaches the MOE, every e-mail goes once.

- The local broker keeps everything in memory: it comes back with no topic, no record, no consumer
  group. The services create the topics again, re-publish the events it lost (outbox), re-drive what
  did not happen (reconciler), publish the directory again, and read the new topics from the start.
- The database keeps its data on disk: while it is away, clients get 503 problems (never a 500) and
  retry with their ``Idempotency-Key``.
- Readiness answers 503 within 2 s while either is away, 200 once it is back.
"""

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio

from tests.support import data
from tests.support.mail import nothing_left_to_send, wait_for_mail
from tests.support.settled import settled

pytestmark = pytest.mark.infrastructure_restart

PIECES = 150
MAILS_PER_PIECE = 3  # at the MOE: the MOE (action), the MOA and the fournisseur's agent (information)


@pytest_asyncio.fixture
async def stage(directory):
    """Structures created for this test: routing must learn them again after the broker forgot them."""
    return await directory.stage("Panne")


def local(infrastructure):
    assert infrastructure.local is not None, (
        "this fault test kills and restarts the session's own broker and database: run it on the local "
        "processes (without TEST_KAFKA_BOOTSTRAP_SERVERS and without a Docker daemon)"
    )
    return infrastructure.local


@dataclass
class Depositor:
    """150 clients' deposits, 8 at a time, each retried with its Idempotency-Key until it is accepted."""

    stage: dict
    deposited: dict[str, str] = field(default_factory=dict)  # numero → piece_id
    dossiers: set[str] = field(default_factory=set)
    refusals: Counter = field(default_factory=Counter)  # (status, code) of every answer but a 201
    unexpected: list[str] = field(default_factory=list)

    async def run(self, concurrency: int = 8) -> None:
        s = self.stage
        queue = [data.piece(s["fournisseur"]["siret"], s["moe"]["siret"], s["moa"]["siret"]) for _ in range(PIECES)]

        async def worker() -> None:
            while queue:
                await self._deposit(queue.pop())

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def _deposit(self, body: dict) -> None:
        key = str(uuid.uuid4())
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = await self.stage["agent"].client.post(
                    "/v1/pieces", files=data.multipart(body), headers={"Idempotency-Key": key}
                )
            except httpx.TransportError as exc:
                self.refusals[("transport", type(exc).__name__)] += 1
                await asyncio.sleep(0.5)
                continue
            if response.status_code == 201:
                self.deposited[body["numero"]] = response.json()["piece_id"]
                self.dossiers.add(response.json()["dossier_id"])
                return
            problem = response.json() if "json" in response.headers.get("content-type", "") else {}
            self.refusals[(response.status_code, problem.get("code"))] += 1
            # Come back later: the database is away (503), or this key's first attempt is still at work (409
            # requete_en_cours: the client gave up on it, e.g. its connection was cut, and retried at once).
            come_back = {503: "service_indisponible", 409: "requete_en_cours"}
            if come_back.get(response.status_code) != problem.get("code"):
                self.unexpected.append(f"{response.status_code} {response.headers.get('content-type')} {response.text}")
                return
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
            assert int(response.headers["retry-after"]) > 0
            await asyncio.sleep(0.5)  # sooner than Retry-After asks: the test has no time to lose
        self.unexpected.append(f"{body['numero']}: never accepted in 120 s")


async def readiness(system, client: httpx.AsyncClient) -> dict[str, tuple[int, float]]:
    """Each service's /health/ready: its status and how long it took to answer."""
    urls = {
        "deposit": system.deposit_url,
        "routing": system.routing_url,
        "notification": system.notification_url,
        "archive": system.archive_url,
        "archive-mover": system.archive_mover_url,
    }

    async def ask(url: str) -> tuple[int, float]:
        started = time.monotonic()
        response = await client.get(f"{url}/health/ready")
        return response.status_code, time.monotonic() - started

    answers = await asyncio.gather(*(ask(url) for url in urls.values()))
    return dict(zip(urls, answers, strict=True))


async def wait_readiness(system, status: int, timeout: float) -> dict[str, tuple[int, float]]:
    """Until every service answers ``status``; each answer must come within 2 s."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            answers = await readiness(system, client)
            slow = {name: took for name, (_, took) in answers.items() if took > 2.5}
            assert not slow, f"/health/ready took more than 2 s: {slow}"
            if all(code == status for code, _ in answers.values()):
                return answers
            assert time.monotonic() < deadline, f"readiness never became {status} in {timeout} s: {answers}"
            await asyncio.sleep(0.3)


async def wait_until_deposited(depositor: Depositor, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(depositor.deposited) < count:
        assert time.monotonic() < deadline, f"only {len(depositor.deposited)} deposits in {timeout} s"
        await asyncio.sleep(0.05)


async def wait_all_at_the_moe(stage, piece_ids: list[str], timeout: float) -> dict[str, dict]:
    """Every pièce as its depositor reads it, once the search counts all of them at the MOE (or the time is
    up: then those that reached it)."""
    client, deadline = stage["agent"].client, time.monotonic() + timeout
    criteria = {"statut": "MISE_A_DISPOSITION_MOE", "structure": stage["fournisseur"]["siret"], "taille": 1}
    while time.monotonic() < deadline:
        found = (await client.get("/v1/pieces", params=criteria)).json()
        if found["total"] >= len(piece_ids):
            break
        await asyncio.sleep(0.5)
    pieces = [(await client.get(f"/v1/pieces/{piece_id}")).json() for piece_id in piece_ids]
    return {p["piece_id"]: p for p in pieces if p.get("statut") == "MISE_A_DISPOSITION_MOE"}


async def assert_every_mail_once(infrastructure, stage, depositor: Depositor) -> None:
    numeros = set(depositor.deposited)

    def ours(mail) -> str | None:
        return next((n for n in numeros if n in mail.subject), None)

    expected = PIECES * MAILS_PER_PIECE
    await wait_for_mail(infrastructure.mail, lambda m: ours(m) is not None, count=expected, timeout=120)
    await nothing_left_to_send(infrastructure, {"dossier_id": {"$in": sorted(depositor.dossiers)}})  # or twice
    per_recipient = Counter((ours(m), m.to[0].lower()) for m in infrastructure.mail.messages() if ours(m))
    recipients = {stage["moe"]["email_contact"], stage["moa"]["email_contact"], stage["agent"].email}
    assert len(per_recipient) == expected, f"{expected - len(per_recipient)} mails never arrived"
    assert {to for _, to in per_recipient} == {r.lower() for r in recipients}
    twice = {k: n for k, n in per_recipient.items() if n > 1}
    assert not twice, f"mails sent more than once: {twice}"


async def assert_routed_to_the_moe(stage, depositor: Depositor) -> None:
    assert not depositor.unexpected, depositor.unexpected[:5]
    assert len(depositor.deposited) == PIECES
    piece_ids = list(depositor.deposited.values())
    reached = await wait_all_at_the_moe(stage, piece_ids, timeout=150)
    assert len(reached) == PIECES, f"{PIECES - len(reached)} pièces never reached the MOE"
    for piece in reached.values():
        assert [h["statut"] for h in piece["historique"]] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"], piece
        assert piece["moe"] == stage["moe"]["siret"]


async def test_broker_killed_during_150_deposits_then_restarted_loses_nothing(system, stage, infrastructure):
    processes = local(infrastructure)
    depositor = Depositor(stage)
    depositing = asyncio.create_task(depositor.run())
    await wait_until_deposited(depositor, PIECES // 3)
    try:
        await asyncio.to_thread(processes.kill_9, "kafka")
        killed_at = len(depositor.deposited)
        outage = await wait_readiness(system, 503, timeout=15)
        await wait_until_deposited(depositor, 2 * PIECES // 3)  # deposits go on: they need only the database
    finally:
        await asyncio.to_thread(processes.start, "kafka")  # empty: no topic, no record, no group
    await depositing
    started = time.monotonic()
    await wait_readiness(system, 200, timeout=120)
    ready_again = time.monotonic() - started

    await assert_routed_to_the_moe(stage, depositor)
    all_routed = time.monotonic() - started
    await assert_every_mail_once(infrastructure, stage, depositor)
    await settled(infrastructure, mails=False)  # every service read again every event the broker lost
    print(
        f"\nbroker kill -9 after {killed_at} deposits; readiness during the outage {outage}; ready again "
        f"{ready_again:.1f} s and all {PIECES} at the MOE {all_routed:.1f} s after the restart; "
        f"answers other than 201: {dict(depositor.refusals)}"
    )
    assert 0 < killed_at < PIECES


async def test_database_killed_during_150_deposits_then_restarted_answers_503_and_loses_nothing(
    system, stage, infrastructure
):
    processes = local(infrastructure)
    depositor = Depositor(stage)
    depositing = asyncio.create_task(depositor.run())
    await wait_until_deposited(depositor, PIECES // 3)
    try:
        await asyncio.to_thread(processes.kill_9, "mongodb")
        killed_at = len(depositor.deposited)
        outage = await wait_readiness(system, 503, timeout=15)
        deadline = time.monotonic() + 30
        while sum(n for (status, _), n in depositor.refusals.items() if status == 503) < 8:
            assert time.monotonic() < deadline, f"clients were not answered 503: {depositor.refusals}"
            await asyncio.sleep(0.1)  # clients are being told to come back later
    finally:
        await asyncio.to_thread(processes.start, "mongodb")  # its data survives on disk
    started = time.monotonic()
    await depositing
    await wait_readiness(system, 200, timeout=120)
    ready_again = time.monotonic() - started

    await assert_routed_to_the_moe(stage, depositor)
    await assert_every_mail_once(infrastructure, stage, depositor)
    print(
        f"\ndatabase kill -9 after {killed_at} deposits; readiness during the outage {outage}; ready again "
        f"{ready_again:.1f} s after the restart; answers other than 201: {dict(depositor.refusals)}"
    )
    assert 0 < killed_at < PIECES
    assert all(status in (503, 409, "transport") for status, _ in depositor.refusals), depositor.refusals
