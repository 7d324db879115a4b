"""The deposit service is killed (-9) after the pièce is stored and before its event is published:
on restart the event goes out exactly once and the pièce carries on to the MOE."""

import asyncio
import os
import signal

from pymongo import AsyncMongoClient

from contracts import topics
from tests.support import data


async def test_an_event_stored_but_not_published_goes_out_once_after_kill_9(
    system, deposit, parties, recorder, infrastructure
):
    # A deposit whose outbox relay is off: it stores pièces and their events, publishes nothing.
    await asyncio.to_thread(system.restart, "deposit", OUTBOX_RELAY_ENABLED="false")
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    response = await deposit.post("/v1/pieces", files=data.multipart(body))
    assert response.status_code == 201, response.text
    piece_id, dossier_id = response.json()["piece_id"], response.json()["dossier_id"]

    def of_piece(record):
        return record.is_about(piece_id)

    mongo = AsyncMongoClient(infrastructure.mongodb_uri)
    try:
        assert (await deposit.get(f"/v1/pieces/{piece_id}")).json()["statut"] == "DEPOSEE"
        waiting = await mongo.deposit.outbox.count_documents({"key": dossier_id.encode()})
        assert waiting == 2, "the submitted and DEPOSEE events wait in the outbox"
        await asyncio.sleep(2)
        assert await recorder.wait_for(topics.PIECES_SUBMITTED, of_piece, timeout=0) == []

        pid = system.pid("deposit")
        os.kill(pid, signal.SIGKILL)
        await asyncio.to_thread(system.restart, "deposit")

        submitted = await recorder.wait_for(topics.PIECES_SUBMITTED, of_piece, count=1, timeout=60)
        assert len(submitted) == 1
        for _ in range(150):
            if (await deposit.get(f"/v1/pieces/{piece_id}")).json()["statut"] == "MISE_A_DISPOSITION_MOE":
                break
            await asyncio.sleep(0.2)
        piece = (await deposit.get(f"/v1/pieces/{piece_id}")).json()
        assert [h["statut"] for h in piece["historique"]] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]
        assert await mongo.deposit.outbox.count_documents({"key": dossier_id.encode()}) == 0

        await asyncio.sleep(2)
        assert len([r for r in recorder.on(topics.PIECES_SUBMITTED) if of_piece(r)]) == 1
        statuses = [r.event.data.statut for r in recorder.on(topics.PIECES_STATUS) if of_piece(r)]
        assert [s.value for s in statuses] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]
    finally:
        await mongo.close()
