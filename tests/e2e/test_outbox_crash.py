"""The deposit service is killed (-9) after the pièce is stored and before its event is published:
on restart the event goes out exactly once and the pièce carries on to the MOE."""

import asyncio
import os
import signal

from pymongo import AsyncMongoClient

from contracts import topics
from tests.support import data
from tests.support.circuit import wait_status


async def until(condition, what: str, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"never {what} within {timeout:.0f} s"
        await asyncio.sleep(0.2)


async def test_an_event_stored_but_not_published_goes_out_once_after_kill_9(
    system, deposit, parties, recorder, infrastructure
):
    # A deposit whose outbox relay is off: it stores pièces and their events, publishes nothing.
    await asyncio.to_thread(system.restart, "deposit", OUTBOX_RELAY_ENABLED="false")
    body = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    response = await deposit.post("/v1/pieces", files=data.multipart(body))
    assert response.status_code == 201, response.text
    piece_id, dossier_id = response.json()["piece_id"], response.json()["dossier_id"]
    mine = {"key": dossier_id.encode()}

    def of_piece(record):
        """an event of the pièce"""
        return record.is_about(piece_id)

    mongo = AsyncMongoClient(infrastructure.mongodb_uri)
    try:
        assert (await deposit.get(f"/v1/pieces/{piece_id}")).json()["statut"] == "DEPOSEE"
        assert await mongo.deposit.outbox.count_documents(mine) == 2, "the submitted and DEPOSEE events wait"
        assert await mongo.deposit.outbox_published.count_documents(mine) == 0, "and none went out"

        os.kill(system.pid("deposit"), signal.SIGKILL)
        await asyncio.to_thread(system.restart, "deposit")

        await recorder.wait_for(topics.PIECES_SUBMITTED, of_piece, count=1, timeout=60)
        piece = await wait_status(deposit, piece_id, "MISE_A_DISPOSITION_MOE")
        assert [h["statut"] for h in piece["historique"]] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]

        async def all_out() -> bool:
            return await mongo.deposit.outbox.count_documents(mine) == 0

        await until(all_out, "published every event of the dossier")
        # A later deposit's events leave after every earlier one (one relay, in write order): once its
        # DEPOSEE is on the topic, a second copy of the first pièce's events would be there too.
        later = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
        marker = await deposit.post("/v1/pieces", files=data.multipart(later))
        assert marker.status_code == 201, marker.text
        marker_id = marker.json()["piece_id"]
        await recorder.wait_for(topics.PIECES_STATUS, lambda r: r.is_about(marker_id), count=1)
        assert len([r for r in recorder.on(topics.PIECES_SUBMITTED) if of_piece(r)]) == 1
        statuses = [r.event.data.statut for r in recorder.on(topics.PIECES_STATUS) if of_piece(r)]
        assert [s.value for s in statuses] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]
    finally:
        await mongo.close()
