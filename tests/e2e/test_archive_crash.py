"""The archive's mover is killed (-9) right after each step of a move — after the copy, after the
verification, after the announcement — and restarted. Every dossier ends exactly once in the archive
(its records, and each document's bytes checked by SHA-256 in the archive's store) and nowhere in the
active store (no pièce, no file), announced under one event id and removed once."""

import asyncio
import hashlib
import os
import signal
from collections import defaultdict

import pytest
import pytest_asyncio
from pymongo import AsyncMongoClient

from contracts import DossierArchived, DossierRemoved, topics
from tests.support import data
from tests.support.archive import STALE_DAYS, Archive, stale_a4
from tests.support.circuit import Cast, problem

DOSSIERS = 6  # more than the mover moves at once (4): some are in flight at the kill, some not started


@pytest_asyncio.fixture(scope="module")
async def cast(directory) -> Cast:
    structures = {
        "fournisseur": await directory.structure("Titulaire Crash"),
        "moe": await directory.structure("Moe Crash"),
        "moa": await directory.structure("Commune Crash", public=True, presence_moa="AVEC_MOA"),
    }
    agents = {
        name: await directory.user((s["siret"], "MODIFICATION"), name=f"Crash {name}") for name, s in structures.items()
    }
    return Cast(structures, agents, agents["moa"], agents["moe"])


@pytest_asyncio.fixture
async def archive(system):
    made = Archive(system)
    yield made
    await made.close()


@pytest_asyncio.fixture(scope="module")
async def databases(infrastructure):
    client = AsyncMongoClient(infrastructure.mongodb_uri, tz_aware=True)
    yield client["archive"], client["deposit"]
    await client.close()


async def _stored_sha256(database, file_id) -> str:
    digest = hashlib.sha256()
    async for chunk in database["documents.chunks"].find({"files_id": file_id}).sort("n", 1):
        digest.update(chunk["data"])
    return digest.hexdigest()


@pytest.mark.parametrize("step", ["copied", "verified", "announced"])
async def test_kill_9_of_the_mover_after_each_step_moves_every_dossier_exactly_once(
    system, cast, clock, archive, recorder, databases, step
):
    archive_db, deposit_db = databases
    fournisseur = cast.agents["fournisseur"]
    await clock.set(-STALE_DAYS)
    annexes = [os.urandom(2000 + i) for i in range(DOSSIERS)]
    made = [await stale_a4(cast, attachments=[("annexe.pdf", annexe, "application/pdf")]) for annexe in annexes]
    dossiers = [d for _, d in made]
    files = {}
    for piece_id, dossier_id in made:
        record = await deposit_db["pieces"].find_one({"_id": piece_id})
        files[dossier_id] = [record["document"]["file_id"], record["document"]["attachments"][0]["file_id"]]
    await archive.wait(dossiers, lambda a: True, "seen by the archive")

    # A mover that stops after `step` takes them (its clock is the real one: they are stale), and is killed there.
    await asyncio.to_thread(system.restart, "archive-mover", ARCHIVE_PAUSE_AFTER=step, ARCHIVE_PAUSE_SECONDS="600")
    try:
        await clock.set(0)

        def stopped_there(a: dict) -> bool:
            return a["etape"] == step or (step == "announced" and a["phase"] == "archived")

        deadline = asyncio.get_running_loop().time() + 60
        while not [a for d in dossiers if (a := await archive.activity(d)) and stopped_there(a)]:
            assert asyncio.get_running_loop().time() < deadline, f"no move reached {step}"
            await asyncio.sleep(0.2)
        os.kill(system.pid("archive-mover"), signal.SIGKILL)
        at_kill = {d: await archive.activity(d) for d in dossiers}
    finally:
        await asyncio.to_thread(system.restart, "archive-mover")
    assert any(a["phase"] != "archived" for a in at_kill.values()), f"the kill must land mid-sweep: {at_kill}"

    # The restarted mover resumes each killed move once its lease expires, and moves the rest.
    await archive.wait(dossiers, lambda a: a["phase"] == "archived", "archived after the restart", timeout=120)

    reader = archive.client(fournisseur.token)
    for (piece_id, dossier_id), annexe in zip(made, annexes, strict=True):
        # Exactly once in the archive: one dossier, one pièce, two files whose stored bytes hash right.
        assert await archive_db["dossiers"].count_documents({"_id": dossier_id, "state": "archived"}) == 1
        assert await archive_db["pieces"].count_documents({"dossier_id": dossier_id}) == 1
        stored = await archive_db["documents.files"].find({"metadata.dossier_id": dossier_id}).to_list()
        assert sorted(f["_id"] for f in stored) == sorted(files[dossier_id])
        for meta in stored:
            assert await _stored_sha256(archive_db, meta["_id"]) == meta["metadata"]["sha256"]
        held = (await reader.get(f"/v1/archives/dossiers/{dossier_id}")).json()
        assert held["compteurs"]["pieces"] == 1 and held["compteurs"]["documents"] == 2
        assert (await reader.get(f"/v1/archives/pieces/{piece_id}/document")).content == data.PDF
        assert (await reader.get(f"/v1/archives/pieces/{piece_id}/pieces-jointes/0")).content == annexe
        found = (await reader.get("/v1/archives", params={"numero": held["pieces"][0]["numero"]})).json()
        assert found["total"] == 1
        # Nowhere in the active store: no pièce, no dossier, no file; 410 to its parties.
        assert await deposit_db["pieces"].count_documents({"dossier_id": dossier_id}) == 0
        assert await deposit_db["documents.files"].count_documents({"_id": {"$in": files[dossier_id]}}) == 0
        assert await deposit_db["documents.chunks"].count_documents({"files_id": {"$in": files[dossier_id]}}) == 0
        assert problem(await fournisseur.client.get(f"/v1/pieces/{piece_id}")) == (410, "piece_archivee")
    await reader.aclose()

    # Announced under one event id per move, removed once per dossier, whatever was re-sent.
    removed = await recorder.wait_for(
        topics.DOSSIERS_REMOVED, lambda r: r.event and r.event.data.dossier_id in dossiers, DOSSIERS
    )
    removals = defaultdict(set)
    for record in removed:
        assert isinstance(record.event.data, DossierRemoved)
        removals[record.event.data.dossier_id].add(record.event.id)
    assert {d: len(ids) for d, ids in removals.items()} == dict.fromkeys(dossiers, 1)
    announced = defaultdict(set)
    for record in recorder.on(topics.DOSSIERS_ARCHIVED):
        if record.event and isinstance(record.event.data, DossierArchived) and record.event.data.dossier_id in dossiers:
            announced[record.event.data.dossier_id].add(record.event.id)
    assert {d: len(ids) for d, ids in announced.items()} == dict.fromkeys(dossiers, 1)
