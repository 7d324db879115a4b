"""Every bad input gets a 4xx problem with a stable code; nothing is stored and no event leaves."""

import asyncio
import json

import httpx
import pytest
from pymongo import AsyncMongoClient

from contracts import topics
from tests.support import data
from tests.support.settled import settled


def _cases(f: str, moe: str) -> list:
    """What only the HTTP side sees (the multipart parts), and one refusal of the domain to show the wiring:
    every code of the deposit's rules is checked on the service layer (services/deposit/tests/service)."""
    good = data.piece(f, moe)
    return [
        ("malformed piece JSON", data.multipart('{"cadre": "A4", '), 422, "piece_json_invalide"),
        ("piece part missing", data.multipart(None), 422, "piece_manquante"),
        (
            "piece sent as a file part, malformed",
            [("piece", ("piece.json", b"{oops", "application/json")), *data.multipart(None)],
            422,
            "piece_json_invalide",
        ),
        (
            "document sent as a text field",
            [*data.multipart(good, document=None), ("document", (None, "not a file"))],
            422,
            "document_manquant",
        ),
        ("document not a PDF", data.multipart(good, document=b"PK\x03\x04 a zip, not a pdf"), 415, "document_non_pdf"),
        ("HT + TVA != TTC", data.multipart({**good, "montant_ttc": "12000.01"}), 422, "montants_incoherents"),
        ("unknown structure", data.multipart({**good, "moe": data.siret()}), 422, "structure_inconnue"),
    ]


async def test_each_bad_deposit_is_refused_with_a_stable_code_and_nothing_is_stored(
    deposit, parties, recorder, infrastructure
):
    cases = _cases(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    client = AsyncMongoClient(infrastructure.mongodb_uri)
    files_before = await client.deposit["documents.files"].count_documents({})
    numeros = set()
    for name, files, status, code in cases:
        response = await deposit.post("/v1/pieces", files=files)
        assert response.status_code == status, f"{name}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json"), name
        problem = response.json()
        assert problem["code"] == code, f"{name}: {problem}"
        assert problem["status"] == status and problem["title"] and problem["detail"], name
        piece_part = dict(files).get("piece")
        if piece_part:
            try:
                numeros.add(json.loads(piece_part[1])["numero"])
            except (ValueError, KeyError):
                pass

    try:
        assert await client.deposit.pieces.count_documents({"numero": {"$in": sorted(numeros)}}) == 0
        files_after = await client.deposit["documents.files"].count_documents({})
        assert files_after == files_before, "a refused deposit left a document behind"
    finally:
        await client.close()
    await settled(
        infrastructure, recorder, mails=False
    )  # an event a refusal wrote would be on its topic and read by now
    leaked = [r for r in recorder.on(topics.PIECES_SUBMITTED) if r.event and r.event.data.piece.numero in numeros]
    assert leaked == []


@pytest.mark.parametrize(
    "topic, consumers",
    [
        (topics.PIECES_SUBMITTED, {"routing"}),
        (topics.PIECES_ROUTED, {"deposit"}),
        (topics.PIECES_STATUS, {"notification", "archive", "routing"}),
        (topics.STRUCTURES, {"notification"}),
        (topics.DOSSIERS_ARCHIVED, {"deposit"}),
        (topics.DOSSIERS_REMOVED, {"notification", "archive", "routing"}),
        (topics.ACCOUNT_CODES, {"notification"}),
    ],
)
async def test_an_unparseable_message_goes_to_the_dead_letter_topic_and_consumption_goes_on(
    system, deposit, parties, recorder, infrastructure, topic, consumers
):
    from aiokafka import AIOKafkaProducer

    marker = f"garbage-{topic}".encode()
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.kafka)
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=b"k", value=b"{not json " + marker)
        await producer.send_and_wait(
            topic, key=b"k", value=json.dumps({"specversion": "1.0", "type": "fr.travaux.unknown.v1"}).encode()
        )
    finally:
        await producer.stop()

    dead = await recorder.wait_for(topics.dead_letter(topic), lambda r: True, count=2 * len(consumers), timeout=30)
    ours = [r for r in dead if marker in (r.value or b"")]
    assert {r.headers[topics.DLT_CONSUMER].decode() for r in ours} == consumers
    assert {r.headers[topics.DLT_CODE] for r in ours} == {b"invalid_json"}
    assert all(r.headers[topics.DLT_SOURCE_TOPIC].decode() == topic and r.headers[topics.DLT_REASON] for r in ours)
    unknown = [r for r in dead if b"fr.travaux.unknown.v1" in (r.value or b"")]
    assert {r.headers[topics.DLT_CODE] for r in unknown} == {b"unknown_type"}

    # The consumers went on: a new deposit still reaches the MOE.
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    piece_id = (await deposit.post("/v1/pieces", files=data.multipart(body))).json()["piece_id"]
    for _ in range(150):
        if (await deposit.get(f"/v1/pieces/{piece_id}")).json()["statut"] == "MISE_A_DISPOSITION_MOE":
            break
        await asyncio.sleep(0.2)
    assert (await deposit.get(f"/v1/pieces/{piece_id}")).json()["statut"] == "MISE_A_DISPOSITION_MOE"


async def test_search_dates_and_amounts_are_only_taken_in_their_plain_form(deposit):
    for query in ("depose_du=0", "date_au=1700000000", "depose_au=9999-12-31", "montant_min=1_000", "montant_max=1E3"):
        answer = await deposit.get(f"/v1/pieces?{query}")

        assert answer.status_code == 422, f"{query}: {answer.text}"
        assert answer.json()["code"] in ("champ_invalide", "montant_invalide"), query


async def test_a_structure_contact_must_be_an_email_address(directory):
    structure = data.structure("Mauvais Contact")

    answer = await directory.admin.put(f"/v1/structures/{structure['siret']}", json={**structure, "email_contact": "0"})

    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "email_contact", answer.text


async def test_every_service_answers_its_own_errors_as_problems(system, deposit):
    urls = {"deposit": system.deposit_url, "notification": system.notification_url, "archive": system.archive_url}
    allowed = {"deposit": "GET, HEAD, POST", "notification": "GET, HEAD", "archive": "GET, HEAD"}
    paths = {"deposit": "/v1/pieces", "notification": "/v1/dossiers/d/notifications", "archive": "/v1/archives"}
    for service, url in urls.items():
        async with httpx.AsyncClient(base_url=url, headers=deposit.headers) as client:
            wrong_method = await client.delete(paths[service])
            unknown = await client.get("/v1/nulle-part")

        assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == allowed[service], service
        assert wrong_method.json()["code"] == "methode_non_autorisee", service
        assert unknown.status_code == 404 and unknown.json()["code"] == "ressource_introuvable", service

    not_utf8 = await deposit.post(
        "/v1/pieces/p/actions/suspendre",
        content=b'{"motif": "\xe9t\xe9"}',
        headers={"content-type": "application/json"},
    )
    assert not_utf8.status_code == 422 and not_utf8.json()["code"] == "json_invalide", not_utf8.text
