"""Overlapping retries with one Idempotency-Key: one effect, and every client gets its answer; a refused
request frees the key for the corrected one."""

import asyncio
import json
import time

from pymongo import AsyncMongoClient

from contracts import topics
from tests.support import data
from tests.support.circuit import problem, statuses, wait_status

COPIES = 8


def same_answer(responses) -> bool:
    return len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1


def replayed(responses) -> list[str | None]:
    return sorted((r.headers.get("idempotent-replayed") or "-") for r in responses)


async def test_identical_deposits_sent_at_once_with_one_key_store_one_piece_and_all_get_its_id(
    deposit, parties, recorder
):
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    headers = {"Idempotency-Key": f"together-{body['numero']}"}

    answers = await asyncio.gather(
        *(deposit.post("/v1/pieces", files=data.multipart(body), headers=headers) for _ in range(COPIES))
    )

    assert [a.status_code for a in answers] == [201] * COPIES, [a.text for a in answers]
    assert same_answer(answers)
    assert replayed(answers) == ["-"] + ["true"] * (COPIES - 1), "one did the work, the others replayed it"
    piece_id = answers[0].json()["piece_id"]
    found = (await deposit.get("/v1/pieces", params={"numero": body["numero"]})).json()
    assert [p["piece_id"] for p in found["resultats"]] == [piece_id]
    submitted = await recorder.wait_for(topics.PIECES_SUBMITTED, lambda r: r.is_about(piece_id))
    assert len(submitted) == 1


async def test_identical_actions_sent_at_once_with_one_key_act_once_and_all_get_the_answer(deposit, parties):
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    created = await deposit.post("/v1/pieces", files=data.multipart(body))
    assert created.status_code == 201, created.text
    piece_id = created.json()["piece_id"]
    await wait_status(deposit, piece_id, "MISE_A_DISPOSITION_MOE")
    url, headers = f"/v1/pieces/{piece_id}/actions/refuser", {"Idempotency-Key": f"refus-{piece_id}"}

    answers = await asyncio.gather(
        *(deposit.post(url, json={"motif": "MAUVAISE_MOE"}, headers=headers) for _ in range(COPIES))
    )

    assert [a.status_code for a in answers] == [200] * COPIES, [a.text for a in answers]
    assert same_answer(answers) and answers[0].json()["statut"] == "REFUSEE_MOE"
    assert replayed(answers) == ["-"] + ["true"] * (COPIES - 1)
    piece = (await deposit.get(f"/v1/pieces/{piece_id}")).json()
    assert statuses(piece) == ["DEPOSEE", "MISE_A_DISPOSITION_MOE", "REFUSEE_MOE"]

    on_another_piece = await deposit.post(
        "/v1/pieces/00000000-0000-0000-0000-000000000000/actions/refuser",
        json={"motif": "MAUVAISE_MOE"},
        headers=headers,
    )
    assert problem(on_another_piece) == (422, "cle_idempotence_reutilisee")


async def test_a_refused_request_frees_its_key_for_the_corrected_one(deposit, parties):
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    headers = {"Idempotency-Key": f"corrected-{body['numero']}"}

    wrong = await deposit.post(
        "/v1/pieces",
        files=data.multipart({**body, "montant_ttc": "12000.01", "montant_a_payer": "12000.01"}),
        headers=headers,
    )
    assert problem(wrong) == (422, "montants_incoherents")
    again = await deposit.post(
        "/v1/pieces",
        files=data.multipart({**body, "montant_ttc": "12000.01", "montant_a_payer": "12000.01"}),
        headers=headers,
    )
    assert problem(again) == (422, "montants_incoherents"), "a refusal is not replayed: the request is judged again"

    corrected = await deposit.post("/v1/pieces", files=data.multipart(body), headers=headers)
    assert corrected.status_code == 201, corrected.text
    retried = await deposit.post("/v1/pieces", files=data.multipart(body), headers=headers)
    assert retried.status_code == 201 and retried.json() == corrected.json()
    assert retried.headers.get("idempotent-replayed") == "true"


async def test_a_retry_while_the_first_attempt_is_still_at_work_gets_409_requete_en_cours_then_its_answer(
    deposit, parties, infrastructure
):
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    created = await deposit.post("/v1/pieces", files=data.multipart(body))
    assert created.status_code == 201, created.text
    piece_id = created.json()["piece_id"]
    await wait_status(deposit, piece_id, "MISE_A_DISPOSITION_MOE")
    url, key = f"/v1/pieces/{piece_id}/actions/refuser", f"slow-{piece_id}"
    mongo = AsyncMongoClient(infrastructure.mongodb_uri)
    try:
        # Another transaction is changing the pièce: the first attempt's transaction waits for it.
        async with mongo.start_session() as other:
            await other.start_transaction()
            await mongo.deposit.pieces.update_one({"_id": piece_id}, {"$set": {"probe": True}}, session=other)
            first = asyncio.create_task(
                deposit.post(url, json={"motif": "MAUVAISE_MOE"}, headers={"Idempotency-Key": key})
            )
            deadline = time.monotonic() + 10
            while not await mongo.deposit.idempotency_keys.find_one({"_id": {"$regex": f":{key}$"}}):
                assert time.monotonic() < deadline, "the first attempt never reserved its key"
                await asyncio.sleep(0.02)

            retry = await deposit.post(url, json={"motif": "MAUVAISE_MOE"}, headers={"Idempotency-Key": key})
            assert problem(retry) == (409, "requete_en_cours"), retry.text
            assert 1 <= int(retry.headers["retry-after"]) <= 5
            assert not first.done()
            await other.abort_transaction()
    finally:
        await mongo.close()

    answer = await first
    assert answer.status_code == 200 and answer.json()["statut"] == "REFUSEE_MOE", answer.text
    again = await deposit.post(url, json={"motif": "MAUVAISE_MOE"}, headers={"Idempotency-Key": key})
    assert again.status_code == 200 and again.json() == answer.json()
    assert again.headers.get("idempotent-replayed") == "true"
    piece = (await deposit.get(f"/v1/pieces/{piece_id}")).json()
    assert statuses(piece) == ["DEPOSEE", "MISE_A_DISPOSITION_MOE", "REFUSEE_MOE"]
