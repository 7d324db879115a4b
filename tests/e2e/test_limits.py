"""Abuse limits as a client meets them: the largest deposit the size limits allow is stored without
the service holding it in memory, a byte more is refused; a body over its route's maximum is cut off
while it streams; a token sending too fast is throttled alone."""

import asyncio
import hashlib
import time
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from deposit.settings import DepositSettings
from tests.support import data

SETTINGS = DepositSettings()  # the services run with the defaults, as the test process reads them


def _memory_kib(pid: int) -> dict[str, int]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM starts again from the current VmRSS


def _pdf(size: int) -> bytes:
    return data.PDF + b"%" * (size - len(data.PDF))


def _attachments(contents: list[bytes]) -> list[tuple[str, bytes, str]]:
    return [(f"annexe-{i}.txt", content, "text/plain") for i, content in enumerate(contents)]


async def _warm_up(deposit, parties) -> None:
    """A first upload makes a process allocate, once, its worker threads and their buffers (about 10 MiB
    here, whatever the size): measure what a deposit costs, not that."""
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    attachments = [("annexe.txt", b"x" * 2**21, "text/plain")]
    answer = await deposit.post("/v1/pieces", files=data.multipart(body, document=_pdf(2**21), attachments=attachments))
    assert answer.status_code == 201, answer.text


async def test_the_largest_deposit_the_limits_allow_is_stored_and_one_byte_more_is_refused(
    system, deposit, parties, infrastructure
):
    # The document at its own maximum, every attachment allowed, the total at its maximum to the byte.
    document = _pdf(SETTINGS.max_document_bytes)
    share, rest = divmod(SETTINGS.max_deposit_bytes - len(document), SETTINGS.max_attachments)
    annexes = [bytes([65 + i % 26]) * (share + (rest if i == 0 else 0)) for i in range(SETTINGS.max_attachments)]
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    await _warm_up(deposit, parties)
    pid = system.pid("deposit")
    _reset_peak(pid)
    before = _memory_kib(pid)

    started = time.monotonic()
    accepted = await deposit.post(
        "/v1/pieces",
        files=data.multipart(body, document=document, attachments=_attachments(annexes)),
        timeout=120,
    )
    took = time.monotonic() - started
    after = _memory_kib(pid)

    assert accepted.status_code == 201, accepted.text
    piece = (await deposit.get(accepted.json()["links"]["piece"]["href"])).json()
    assert [(f["size"], f["sha256"]) for f in (piece["document"], *piece["pieces_jointes"])] == [
        (len(content), hashlib.sha256(content).hexdigest()) for content in (document, *annexes)
    ]
    growth_mib = (after["VmHWM"] - before["VmRSS"]) / 1024
    print(
        f"\n{SETTINGS.max_deposit_bytes / 2**20:.0f} MiB deposit ({len(annexes)} attachments) stored in {took:.1f} s; "
        f"deposit RSS "
        f"{before['VmRSS'] / 1024:.0f} MiB before, peak {after['VmHWM'] / 1024:.0f} MiB (+{growth_mib:.1f} MiB)"
    )
    assert growth_mib < 8, "the deposit was held in memory"

    over = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    refused = await deposit.post(
        "/v1/pieces",
        files=data.multipart(over, document=document, attachments=_attachments([*annexes[:-1], annexes[-1] + b"x"])),
        timeout=120,
    )

    assert refused.status_code == 413 and refused.json()["code"] == "depot_trop_volumineux", refused.text
    client = AsyncMongoClient(infrastructure.mongodb_uri)
    try:
        assert await client.deposit.pieces.count_documents({"numero": over["numero"]}) == 0
    finally:
        await client.close()


async def test_a_body_over_its_route_maximum_is_refused_as_it_streams_in(system, deposit, parties):
    big = b'{"motif": "' + b"x" * (1024 * 1024) + b'"}'

    announced = await deposit.post(
        "/v1/pieces/any/actions/suspendre", content=big, headers={"content-type": "application/json"}
    )

    async def chunks():  # a document part that never ends, sent without Content-Length
        yield b'--b\r\nContent-Disposition: form-data; name="document"; filename="big.pdf"\r\n\r\n%PDF-'
        for _ in range(SETTINGS.max_deposit_bytes // 2**20 + 3):
            yield b"x" * 2**20

    await _warm_up(deposit, parties)
    pid = system.pid("deposit")
    _reset_peak(pid)
    before = _memory_kib(pid)["VmRSS"]
    streamed = await deposit.post(
        "/v1/pieces", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}, timeout=60
    )
    growth_mib = (_memory_kib(pid)["VmHWM"] - before) / 1024

    for answer in (announced, streamed):
        assert answer.status_code == 413 and answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "requete_trop_volumineuse", answer.text
    assert growth_mib < 8, f"deposit grew by {growth_mib:.1f} MiB reading a body it refused"


async def test_a_token_sending_too_fast_is_throttled_alone_and_told_when_to_come_back(system, directory, parties):
    # A deposit replica of its own with a low limit: the session's keeps the defaults, which no test reaches.
    fast = await directory.user((parties["moe"]["siret"], "CONSULTATION"), name="Client Presse")
    calm = await directory.user((parties["moe"]["siret"], "CONSULTATION"), name="Client Calme")
    async with system.extra_deposit(RATE_LIMIT_PER_SECOND="0.5", RATE_LIMIT_BURST="5") as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as replica:
            as_fast = {"Authorization": f"Bearer {fast.token}"}
            burst = [(await replica.get("/v1/moi", headers=as_fast)).status_code for _ in range(5)]
            refused = await replica.get("/v1/moi", headers=as_fast)

            assert burst == [200] * 5
            assert refused.status_code == 429 and refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["code"] == "trop_de_requetes" and refused.headers["retry-after"] == "2"
            assert (await replica.get("/v1/moi", headers={"Authorization": f"Bearer {calm.token}"})).status_code == 200
            assert (await replica.get("/health/ready", headers=as_fast)).status_code == 200  # never throttled

            # Back within the delay the answer gave (a request refused meanwhile costs nothing).
            deadline = time.monotonic() + int(refused.headers["retry-after"]) + 1
            while (again := await replica.get("/v1/moi", headers=as_fast)).status_code == 429:
                assert time.monotonic() < deadline, "still throttled after Retry-After"
                await asyncio.sleep(0.2)
            assert again.status_code == 200
