"""Four clients send the same deposit with one Idempotency-Key, and the deposit service is killed (-9)
in the middle of the transaction that stores it: they retry through the restart, and they all end
with the id of the one pièce stored (201, or a replay of it); none gets a business conflict
(numero_deja_utilise). The killed transaction stays open in the database, holding its writes, until
the attempt that takes the key over ends its session."""

import asyncio
import os
import signal
import time

import httpx
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure

from contracts import topics
from tests.support import data

CLIENTS = 4
# A large PDF: storing it is the window in which the kill lands.
DOCUMENT = data.PDF + b"%" + b"0" * (12 * 1024 * 1024) + b"\n%%EOF\n"


async def retrying_client(client: httpx.AsyncClient, body: dict, headers: dict, deadline: float):
    """Send until a 201, as a client that knows the key makes retries safe; what it met on the way."""
    met: list[str] = []
    while time.monotonic() < deadline:
        try:
            response = await client.post("/v1/pieces", files=data.multipart(body, DOCUMENT), headers=headers)
        except httpx.TransportError as exc:  # killed mid-request, or not restarted yet
            met.append(type(exc).__name__)
            await asyncio.sleep(0.2)
            continue
        if response.status_code == 201:
            return response, met
        assert response.status_code == 409 and response.json()["code"] == "requete_en_cours", response.text
        met.append(f"requete_en_cours, Retry-After {response.headers['retry-after']}")
        assert int(response.headers["retry-after"]) > 0
        await asyncio.sleep(0.2)  # sooner than Retry-After asks: still 409 until the key is taken over
    raise AssertionError(f"no 201 before the deadline; met {met}")


async def written_by_an_open_transaction(mongo: AsyncMongoClient, records: AsyncCollection, record_id) -> bool:
    """Whether a transaction not committed yet has written the record: a write of ours conflicts with it."""
    async with mongo.start_session() as session:
        await session.start_transaction()
        try:
            await records.update_one({"_id": record_id}, {"$set": {"probe": True}}, session=session)
        except OperationFailure as exc:
            if exc.code == 112:  # WriteConflict
                return True
            raise
        finally:
            await session.abort_transaction()  # our probe changes nothing
    return False


async def test_retries_of_one_deposit_through_a_kill_9_end_with_one_piece_all_knowing_its_id(
    system, deposit, parties, recorder, infrastructure
):
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    key = f"crash-{body['numero']}"
    headers = {"Idempotency-Key": key}
    mongo = AsyncMongoClient(infrastructure.mongodb_uri)
    keys, pieces = mongo.deposit.idempotency_keys, mongo.deposit.pieces
    started = time.monotonic()
    clients = [asyncio.create_task(retrying_client(deposit, body, headers, started + 60)) for _ in range(CLIENTS)]
    try:
        reservation = None
        while reservation is None or not await written_by_an_open_transaction(mongo, keys, reservation["_id"]):
            assert time.monotonic() < started + 30, "no attempt started storing the pièce within 30 s"
            reservation = reservation or await keys.find_one({"_id": {"$regex": f":{key}$"}})
            await asyncio.sleep(0.01)
        os.kill(system.pid("deposit"), signal.SIGKILL)  # in the middle of the transaction
        killed = time.monotonic()
        assert await written_by_an_open_transaction(mongo, keys, reservation["_id"]), "the killed one stays open"
        assert "status" not in await keys.find_one({"_id": reservation["_id"]})
        assert await pieces.count_documents({"numero": body["numero"]}) == 0
        print(f"\nstoring after {killed - started:.2f} s, killed; lease until {reservation['lease_until']}")

        await asyncio.to_thread(system.restart, "deposit")
        print(f"deposit restarted in {time.monotonic() - killed:.1f} s")
        answers = await asyncio.gather(*clients)
        print(f"all answered {time.monotonic() - killed:.1f} s after the kill")
    finally:
        for task in clients:
            task.cancel()
        stored = await pieces.count_documents({"numero": body["numero"]})
        await mongo.close()

    for response, met in answers:
        print(response.status_code, response.headers.get("idempotent-replayed"), met)
    assert len({r.json()["piece_id"] for r, _ in answers}) == 1, [r.json() for r, _ in answers]
    assert sorted(r.headers.get("idempotent-replayed", "-") for r, _ in answers) == ["-"] + ["true"] * (CLIENTS - 1)
    assert stored == 1
    piece_id = answers[0][0].json()["piece_id"]
    found = (await deposit.get("/v1/pieces", params={"numero": body["numero"]})).json()
    assert [p["piece_id"] for p in found["resultats"]] == [piece_id]
    submitted = await recorder.wait_for(topics.PIECES_SUBMITTED, lambda r: r.is_about(piece_id))
    assert len(submitted) == 1
