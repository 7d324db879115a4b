"""Dossiers untouched for more than two years leave the active store for the archive, whole: every pièce,
history, document, attachment and notification record. The archive finds them with the criteria of the
portal's « Archives » tab, for their parties only; the active side answers 410 with the archive's link.
A dossier changed after its move was announced stays with its owner.

The move's rules step by step — activity during a move aborts it, a changed fingerprint, a corrupt
document, a dossier its owner does not hold, each step run again after a crash — are tested on the service
layer, in milliseconds: services/archive/tests/service/test_move.py."""

import asyncio
import hashlib
import os
import signal
from datetime import date, timedelta

import httpx
import pytest_asyncio

from contracts import DossierKept, DossierRemoved, topics
from tests.support import data
from tests.support.archive import STALE_DAYS, Archive, backdated, stale_a4
from tests.support.circuit import Cast, act, acted, deposit, deposited, problem, wait_status
from tests.support.services import http


@pytest_asyncio.fixture(scope="module")
async def cast(directory) -> Cast:
    """Fresh structures (so every archived pièce of theirs is this module's), and a MOA with no category:
    no payment deadline runs on these dossiers, nothing changes them behind the test's back."""
    structures = {
        "fournisseur": await directory.structure("Titulaire Archive"),
        "moe": await directory.structure("Moe Archive"),
        "moa": await directory.structure("Commune Archive", public=True, presence_moa="AVEC_MOA"),
    }
    agents = {
        name: await directory.user((s["siret"], "MODIFICATION"), name=f"Agent {name}") for name, s in structures.items()
    }
    lecteur = await directory.user((structures["moa"]["siret"], "CONSULTATION"), name="Lecteur Archive")
    elsewhere = await directory.structure("Sans Rapport Archive")
    outsider = await directory.user((elsewhere["siret"], "MODIFICATION"), name="Tiers Archive")
    return Cast(structures, agents, lecteur, outsider)


@pytest_asyncio.fixture
async def archive(system):
    made = Archive(system)
    yield made
    await made.close()


async def _sent_mails(system, dossier_id: str) -> list[dict]:
    """The dossier's notification records once every mail is sent and no new one came for 2 s."""
    async with http(system.notification_url, system.admin_token) as notification:
        seen, stable = -1, 0
        for _ in range(240):
            records = (await notification.get(f"/v1/dossiers/{dossier_id}/notifications")).json()
            settled = records and all(r["state"] == "sent" for r in records) and len(records) == seen
            stable, seen = (stable + 1 if settled else 0), len(records)
            if stable >= 4:
                return records
            await asyncio.sleep(0.5)
    raise AssertionError(f"the mails of dossier {dossier_id} never settled: {records}")


async def _download(client: httpx.AsyncClient, path: str) -> bytes:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.content


async def test_stale_dossiers_are_moved_whole_and_stay_searchable(system, cast, clock, archive, recorder):
    fournisseur, moe = cast.agents["fournisseur"], cast.agents["moe"]
    metre, photo = os.urandom(3000), os.urandom(300_000)  # the photo spans two GridFS chunks
    await clock.set(-STALE_DAYS)
    a4, d1 = await stale_a4(
        cast,
        attachments=[("metre.pdf", metre, "application/pdf"), ("photo.jpg", photo, "image/jpeg")],
        montant_ht="20000.00",
        montant_tva="4000.00",
        montant_ttc="24000.00",
    )
    a15 = await deposited(moe, "A15", a4, date_piece=backdated())
    await wait_status(cast.agents["moa"], a15, "MISE_A_DISPOSITION_MOA")
    lone, d3 = await stale_a4(cast)
    # What the active side shows, while the mover's clock still stands in the past with the others.
    before = {d: (await fournisseur.client.get(f"/v1/dossiers/{d}")).json() for d in (d1, d3)}
    originals = {
        "document": await _download(fournisseur.client, f"/v1/pieces/{a4}/document"),
        "a15": await _download(fournisseur.client, f"/v1/pieces/{a15}/document"),
    }
    assert originals["document"] == data.PDF
    mails = await _sent_mails(system, d1)  # to the MOE, then to the MOA
    await clock.set(0)  # two years and more have passed: the mover's timer may start moving them
    fresh, d4 = await stale_a4(cast, days=0)  # deposited today: stays

    await archive.wait([d1, d3, d4], lambda a: True, "seen by the archive")

    report = await archive.sweep()
    assert report["cutoff"].startswith((date.today() - timedelta(days=731)).isoformat()[:4])
    assert set(report["outcomes"]) <= {"announced", "aborted", "absent", "failed", "skipped"}
    await archive.wait([d1, d3], lambda a: a["phase"] == "archived", "archived", sweep=True)
    assert (await archive.activity(d4))["phase"] == "active"

    # The active store no longer holds them: 410 with the archive's link to the parties, 404 to others.
    response = await fournisseur.client.get(f"/v1/pieces/{a4}")
    location = f"{system.archive_url}/v1/archives/dossiers/{d1}"
    assert problem(response) == (410, "piece_archivee")
    assert response.json()["archive_url"] == location and f"<{location}>" in response.headers["link"]
    assert problem(await fournisseur.client.get(f"/v1/pieces/{a4}/document")) == (410, "piece_archivee")
    assert problem(await fournisseur.client.get(f"/v1/dossiers/{d1}")) == (410, "dossier_archive")
    assert problem(await cast.outsider.client.get(f"/v1/pieces/{a4}")) == (404, "piece_inconnue")
    assert problem(await act(moe, lone, "refuser", motif="MAUVAISE_MOE")) == (410, "piece_archivee")
    refused = await deposit(moe, "A15", lone)
    assert problem(refused) == (409, "piece_precedente_archivee") and "archives" in refused.json()["detail"]
    search = (await fournisseur.client.get("/v1/pieces", params={"structure": cast.siret("fournisseur")})).json()
    assert {r["piece_id"] for r in search["resultats"]} == {fresh}
    assert (await fournisseur.client.get(f"/v1/pieces/{fresh}")).status_code == 200
    async with http(system.notification_url, fournisseur.token) as notification:  # its mail records are dropped
        assert problem(await notification.get(f"/v1/dossiers/{d1}/notifications")) == (404, "dossier_inconnu")
    async with http(system.routing_url, fournisseur.token) as routing:  # its deadline facts are dropped
        for _ in range(100):
            if (await routing.get(f"/v1/dossiers/{d1}/echeances")).status_code == 404:
                break
            await asyncio.sleep(0.2)
        assert (await routing.get(f"/v1/dossiers/{d1}/echeances")).status_code == 404

    # The archive holds them whole: every pièce with its history, documents byte for byte, the mails.
    reader = archive.client(fournisseur.token)
    held = (await reader.get(f"/v1/archives/dossiers/{d1}")).json()
    assert [p["piece_id"] for p in held["pieces"]] == [p["piece_id"] for p in before[d1]["pieces"]] == [a4, a15]
    for archived, active in zip(held["pieces"], before[d1]["pieces"], strict=True):
        assert archived["historique"] == [{k: h[k] for k in archived["historique"][0]} for h in active["historique"]]
        assert (archived["numero"], archived["statut"], archived["montant_ttc"]) == (
            active["numero"], active["statut"], active["montant_ttc"],
        )  # fmt: skip
        assert archived["document"]["sha256"] == active["document"]["sha256"]
    counts = {"pieces": 2, "documents": 4, "octets": 2 * len(data.PDF) + 303_000}
    assert held["compteurs"] == {**counts, "notifications": len(held["notifications"])}
    # Every mail sent about it is there (and any deadline mail sent once the clocks came back).
    assert {(m["email"], m["subject"]) for m in mails} <= {(n["email"], n["subject"]) for n in held["notifications"]}
    assert all(n["state"] == "sent" for n in held["notifications"])
    assert await _download(reader, f"/v1/archives/pieces/{a4}/document") == originals["document"]
    assert await _download(reader, f"/v1/archives/pieces/{a15}/document") == originals["a15"]
    assert await _download(reader, f"/v1/archives/pieces/{a4}/pieces-jointes/0") == metre
    assert await _download(reader, f"/v1/archives/pieces/{a4}/pieces-jointes/1") == photo
    response = await reader.get(f"/v1/archives/pieces/{a4}/pieces-jointes/1")
    assert held["pieces"][0]["pieces_jointes"][1]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert response.headers["repr-digest"].startswith("sha-256=:")

    # Search with each criterion of the Archives tab.
    ours = {"structure": cast.siret("fournisseur")}

    async def found(client: httpx.AsyncClient = reader, scoped: bool = True, **criteria) -> list[str]:
        response = await client.get("/v1/archives", params={**(ours if scoped else {}), **criteria})
        assert response.status_code == 200, response.text
        return sorted(r["piece_id"] for r in response.json()["resultats"])

    everything = sorted([a4, a15, lone])
    assert await found() == everything
    assert await found(numero=before[d1]["pieces"][0]["numero"]) == [a4]
    assert await found(cadre="A15") == [a15]
    assert await found(cadre=["A4", "A15"]) == everything
    assert await found(statut="MISE_A_DISPOSITION_MOE") == [lone]
    assert await found(statut="ASSOCIEE") == [a4]
    assert await found(montant_min="20000") == [a4]
    assert await found(montant_max="15000") == sorted([a15, lone])
    stale_day = date.fromisoformat(backdated()) + timedelta(days=1)
    assert (
        await found(
            depose_du=(stale_day - timedelta(days=2)).isoformat(), depose_au=(stale_day + timedelta(days=2)).isoformat()
        )
        == everything
    )
    assert await found(depose_au=(stale_day - timedelta(days=30)).isoformat()) == []
    assert await found(structure=cast.siret("moe")) == everything
    moe_reader = archive.client(moe.token)
    assert await found(moe_reader, scoped=False, role="MOE") == everything  # the MOE's structure is this module's
    assert await found(moe_reader, scoped=False, role="FOURNISSEUR") == []
    page = (await reader.get("/v1/archives", params={**ours, "taille": 2, "page": 2})).json()
    assert (page["total"], page["pages"], len(page["resultats"])) == (3, 2, 1)
    assert problem(await reader.get("/v1/archives", params={"montant_min": "10", "montant_max": "1"})) == (
        422,
        "intervalle_invalide",
    )

    # Parties only: a structure that is party to nothing sees nothing; no token, no answer.
    outsider = archive.client(cast.outsider.token)
    assert (await outsider.get("/v1/archives", params=ours)).json()["total"] == 0
    assert problem(await outsider.get(f"/v1/archives/dossiers/{d1}")) == (404, "dossier_inconnu")
    assert problem(await outsider.get(f"/v1/archives/pieces/{a4}/document")) == (404, "piece_inconnue")
    async with httpx.AsyncClient(base_url=system.archive_url) as anonymous:
        assert problem(await anonymous.get("/v1/archives")) == (401, "authentification_requise")
    lecteur = archive.client(cast.lecteur.token)  # CONSULTATION on the MOA: reads d1 (the A15 names it)
    assert (await lecteur.get(f"/v1/archives/dossiers/{d1}")).status_code == 200

    # Each move was announced, and its owner's answer published once per dossier.
    removed = await recorder.wait_for(
        topics.DOSSIERS_REMOVED, lambda r: r.event and r.event.data.dossier_id in (d1, d3), 2
    )
    assert {r.event.data.dossier_id for r in removed if isinstance(r.event.data, DossierRemoved)} == {d1, d3}
    announced = [r for r in recorder.on(topics.DOSSIERS_ARCHIVED) if r.event and r.event.data.dossier_id == d1]
    assert announced and announced[-1].event.data.counts.documents == 4
    for client in (reader, moe_reader, outsider, lecteur):
        await client.aclose()


async def test_a_dossier_changed_after_its_announcement_is_kept_by_its_owner(system, cast, clock, archive, recorder):
    """The archive cannot see the change (its consumer is down), announces the move: deposit, which owns
    the dossier, compares fingerprints, keeps it and says so; the archive drops its copy once back."""
    await asyncio.to_thread(system.restart, "archive-mover", ARCHIVE_PAUSE_AFTER="verified", ARCHIVE_PAUSE_SECONDS="8")
    try:
        await clock.set(-STALE_DAYS)
        a4, dossier = await stale_a4(cast)
        await clock.set(0)
        await archive.wait([dossier], lambda a: a["etape"] == "verified", "verified by the mover", timeout=60)
        os.kill(system.pid("archive"), signal.SIGKILL)  # the archive's consumers stop seeing activity
        await act(cast.agents["moe"], a4, "refuser", motif="MAUVAISE_MOE")
        announced = await recorder.wait_for(
            topics.DOSSIERS_ARCHIVED, lambda r: r.event and r.event.data.dossier_id == dossier, timeout=60
        )
        answers = await recorder.wait_for(
            topics.DOSSIERS_REMOVED, lambda r: r.event and r.event.data.dossier_id == dossier, timeout=60
        )
    finally:
        await asyncio.to_thread(system.restart, "archive")
        await asyncio.to_thread(system.restart, "archive-mover")
    assert [type(r.event.data) for r in answers] == [DossierKept]
    assert answers[0].event.data.code == "dossier_modifie"
    assert answers[0].event.data.move_id == announced[0].event.data.move_id
    await archive.wait([dossier], lambda a: a["phase"] == "active" and a["etape"] is None, "kept active", timeout=60)
    piece = await wait_status(cast.agents["fournisseur"], a4, "REFUSEE_MOE")
    assert piece["dossier_id"] == dossier
    reader = archive.client(cast.agents["fournisseur"].token)
    assert problem(await reader.get(f"/v1/archives/dossiers/{dossier}")) == (404, "dossier_inconnu")
    await reader.aclose()


async def test_a_mise_en_paiement_hidden_from_the_fournisseur_stays_hidden_in_the_archive(
    system, directory, cast, clock, archive
):
    """The archive copies the record deposit made at the payment: the fournisseur reads the archived pièce as
    it stood before its mise en paiement, finds it by that status, and is not listed the mails about it."""
    payer = await directory.structure(
        "Commune Discrete Archive", public=True, presence_moa="AVEC_MOA", mise_en_paiement_masquee=True
    )
    payer_agent = await directory.user((payer["siret"], "MODIFICATION"), name="Agent Commune Discrete")
    fournisseur, moe = cast.agents["fournisseur"], cast.agents["moe"]
    await clock.set(-STALE_DAYS)
    a4 = await deposited(fournisseur, "A4", fournisseur=cast.siret("fournisseur"), moe=cast.siret("moe"),
                         moa=payer["siret"], date_piece=backdated())  # fmt: skip
    await wait_status(moe, a4, "MISE_A_DISPOSITION_MOE")
    a15 = await deposited(moe, "A15", a4, date_piece=backdated())
    await wait_status(payer_agent, a15, "MISE_A_DISPOSITION_MOA")
    a19 = await deposited(payer_agent, "A19", a15, date_piece=backdated())  # the MOA « avec MOA » pays it
    await wait_status(payer_agent, a19, "MISE_A_DISPOSITION_DESTINATAIRE")
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        await acted(payer_agent, a19, "traiter", statut=statut)
    paid = await wait_status(payer_agent, a19, "MISE_EN_PAIEMENT")
    dossier = paid["dossier_id"]
    mails = await _sent_mails(system, dossier)
    assert {m["email"] for m in mails if m["statut"] == "MISE_EN_PAIEMENT"} == {moe.email, payer_agent.email}
    await clock.set(0)
    await archive.wait([dossier], lambda a: a["phase"] == "archived", "archived", sweep=True)

    reader = archive.client(fournisseur.token)
    held = (await reader.get(f"/v1/archives/dossiers/{dossier}")).json()
    assert [p["statut"] for p in held["pieces"]] == ["ASSOCIEE", "ASSOCIEE", "MANDATEE"]
    assert [h["statut"] for h in held["pieces"][-1]["historique"]][-1] == "MANDATEE"
    assert held["derniere_activite"] == held["pieces"][-1]["historique"][-1]["at"]
    assert held["notifications"] and all(n["statut"] != "MISE_EN_PAIEMENT" for n in held["notifications"])
    piece = (await reader.get(f"/v1/archives/pieces/{a19}")).json()
    assert (piece["statut"], piece["statut_libelle"]) == ("MANDATEE", "Mandatée")

    async def found(client: httpx.AsyncClient, statut: str) -> list[str]:
        response = await client.get("/v1/archives", params={"numero": paid["numero"], "statut": statut})
        assert response.status_code == 200, response.text
        return [(r["piece_id"], r["statut"]) for r in response.json()["resultats"]]

    assert await found(reader, "MISE_EN_PAIEMENT") == []
    assert await found(reader, "MANDATEE") == [(a19, "MANDATEE")]
    truth = archive.client(moe.token)  # the MOE: the buyer side
    assert await found(truth, "MISE_EN_PAIEMENT") == [(a19, "MISE_EN_PAIEMENT")]
    held = (await truth.get(f"/v1/archives/dossiers/{dossier}")).json()
    assert held["pieces"][-1]["statut"] == "MISE_EN_PAIEMENT"
    assert {n["email"] for n in held["notifications"] if n["statut"] == "MISE_EN_PAIEMENT"} == {
        moe.email, payer_agent.email,
    }  # fmt: skip
    for client in (reader, truth):
        await client.aclose()
