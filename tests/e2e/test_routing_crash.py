"""The routing worker is killed (-9) in the middle of a stream of 100 pièces and restarted: every pièce is
routed exactly once in effect (no pièce lost, no duplicate status), however many times a decision was
re-sent. Then it is killed again in the middle of publishing their 100 payment deadlines: after the
restart every deadline is published, each under a single event id, and recorded once."""

import asyncio
import os
import signal
from collections import Counter, defaultdict

from contracts import DeadlineReached, Statut, topics
from tests.support import data
from tests.support.settled import settled

PIECES = 100


async def test_kill_9_of_routing_mid_stream_loses_nothing_and_duplicates_nothing(
    system, deposit, parties, recorder, clock, infrastructure
):
    bodies = [data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"]) for _ in range(PIECES)]
    piece_ids: list[str] = []
    dossiers: dict[str, str] = {}

    async def deposit_all() -> None:
        queue = list(bodies)

        async def worker() -> None:
            while queue:
                response = await deposit.post("/v1/pieces", files=data.multipart(queue.pop()))
                assert response.status_code == 201, response.text
                piece_ids.append(response.json()["piece_id"])
                dossiers[response.json()["dossier_id"]] = response.json()["piece_id"]

        await asyncio.gather(*(worker() for _ in range(8)))

    depositing = asyncio.create_task(deposit_all())

    def routed_ours() -> list:
        ours = set(piece_ids)
        return [r for r in recorder.on(topics.PIECES_ROUTED) if r.event and r.event.data.piece_id in ours]

    for _ in range(600):
        if len(routed_ours()) >= PIECES // 5:
            break
        await asyncio.sleep(0.05)
    os.kill(system.pid("routing"), signal.SIGKILL)
    routed_before_kill = len(routed_ours())
    await depositing
    await asyncio.to_thread(system.restart, "routing")

    ours = set(piece_ids)

    def at_the_moe(record) -> bool:
        """a MISE_A_DISPOSITION_MOE of one of the pièces"""
        return record.is_about_any(ours) and record.event.data.statut is Statut.MISE_A_DISPOSITION_MOE

    await recorder.wait_for(topics.PIECES_STATUS, at_the_moe, count=PIECES, timeout=180)
    assert 0 < routed_before_kill < PIECES, "the kill must land in the middle of the stream"
    for piece_id in piece_ids[:: PIECES // 30]:  # what their parties read
        piece = (await deposit.get(f"/v1/pieces/{piece_id}")).json()
        assert [h["statut"] for h in piece["historique"]] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"], piece

    await settled(
        infrastructure, recorder, mails=False
    )  # a decision or status re-sent after the restart is read by now
    moe_events = Counter(
        r.event.data.piece.piece_id
        for r in recorder.on(topics.PIECES_STATUS)
        if r.is_about_any(ours) and r.event.data.statut is Statut.MISE_A_DISPOSITION_MOE
    )
    assert set(moe_events) == ours and set(moe_events.values()) == {1}, "one MISE_A_DISPOSITION_MOE event per pièce"
    decision_ids: dict[str, set] = {}
    for record in routed_ours():
        decision_ids.setdefault(record.event.data.piece_id, set()).add(record.event.id)
    assert all(len(ids) == 1 for ids in decision_ids.values()), "a re-sent decision keeps its event id"

    # Every dossier's délai de paiement is pending in routing's store; kill routing while it publishes them.
    for dossier_id in dossiers:
        await clock.planned(dossier_id, "DELAI_PAIEMENT_DEPASSE")

    def deadlines_ours() -> list:
        return [
            r
            for r in recorder.on(topics.DEADLINES)
            if r.event and isinstance(r.event.data, DeadlineReached) and r.event.data.dossier_id in dossiers
        ]

    sweeping = asyncio.create_task(clock.set(31))
    for _ in range(3000):  # the sweep's first dossiers can take a while to come on a slow database
        if len(deadlines_ours()) >= PIECES // 10:
            break
        await asyncio.sleep(0.02)
    os.kill(system.pid("routing"), signal.SIGKILL)
    published_before_kill = len({r.event.data.dossier_id for r in deadlines_ours()})
    try:
        await sweeping
    except Exception:  # the worker died under the request
        pass
    await asyncio.to_thread(system.restart, "routing")
    await clock.set(31)  # the restarted worker starts on the real time

    for _ in range(300):
        if len({r.event.data.dossier_id for r in deadlines_ours()}) == PIECES:
            break
        await asyncio.sleep(0.2)
    for dossier_id in dossiers:  # routing remembers each as published: no sweep will publish it again
        await clock.published(dossier_id, "DELAI_PAIEMENT_DEPASSE")
    await settled(infrastructure, recorder, mails=False)  # and whatever it published before is read by now
    ids_by_dossier: dict[str, set] = defaultdict(set)
    for record in deadlines_ours():
        assert record.event.data.echeance == "DELAI_PAIEMENT_DEPASSE"
        ids_by_dossier[record.event.data.dossier_id].add(record.event.id)
    assert 0 < published_before_kill < PIECES, "the second kill must land in the middle of the sweep"
    assert set(ids_by_dossier) == set(dossiers), f"{PIECES - len(ids_by_dossier)} deadlines never published"
    assert all(len(ids) == 1 for ids in ids_by_dossier.values()), "a re-published deadline keeps its event id"
    for piece_id in list(dossiers.values())[:: PIECES // 30]:  # the deposit service recorded them, once
        for _ in range(100):
            piece = (await deposit.get(f"/v1/pieces/{piece_id}")).json()
            if piece["echeances"]:
                break
            await asyncio.sleep(0.2)
        assert piece["echeances"] == ["DELAI_PAIEMENT_DEPASSE"], piece
