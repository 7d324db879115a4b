"""The works circuit over HTTP, as its actors walk it: each flow asserts statuses, histories and the
events a downstream system reads on travaux.pieces.status."""

import asyncio

import pytest_asyncio

from tests.support import data
from tests.support.circuit import (
    act,
    acted,
    deposit,
    deposited,
    deposited_once_open,
    make_cast,
    problem,
    published_statuses,
    statuses,
    wait_status,
)
from tests.support.settled import settled

MAD_MOE, MAD_MOA = "MISE_A_DISPOSITION_MOE", "MISE_A_DISPOSITION_MOA"
MAD_FOURNISSEUR, MAD_DEST = "MISE_A_DISPOSITION_FOURNISSEUR", "MISE_A_DISPOSITION_DESTINATAIRE"


@pytest_asyncio.fixture
async def cast(directory):
    return await make_cast(directory)


async def a4_at_moe(cast) -> str:
    a4 = await deposited(cast.agents["fournisseur"], "A4", fournisseur=cast.siret("fournisseur"),
                         moe=cast.siret("moe"), moa=cast.siret("moa"))  # fmt: skip
    await wait_status(cast.agents["moe"], a4, MAD_MOE)
    return a4


async def a19_at_financier(cast) -> tuple[str, str, str]:
    a4 = await a4_at_moe(cast)
    a15 = await deposited(cast.agents["moe"], "A15", a4)
    await wait_status(cast.agents["moa"], a15, MAD_MOA)
    a19 = await deposited(cast.agents["moa"], "A19", a15, destinataire=cast.siret("financier"), code_service="COMPTA")
    await wait_status(cast.agents["financier"], a19, MAD_DEST)
    return a4, a15, a19


async def test_monthly_flow_a4_a15_a19_to_mise_en_paiement(cast, recorder):
    a4, a15, a19 = await a19_at_financier(cast)
    financier = cast.agents["financier"]
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        done = await acted(financier, a19, "traiter", statut=statut)
        assert done["statut"] == statut

    fournisseur = cast.agents["fournisseur"]
    piece = (await fournisseur.client.get(f"/v1/pieces/{a19}")).json()
    assert statuses(piece) == ["DEPOSEE", MAD_DEST, "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"]
    assert piece["historique"][-1]["par"] == financier.email and piece["attente"] is None
    assert piece["fournisseur"] == cast.siret("fournisseur") and piece["moe"] == cast.siret("moe")  # inherited
    a4_piece = (await fournisseur.client.get(f"/v1/pieces/{a4}")).json()
    assert statuses(a4_piece) == ["DEPOSEE", MAD_MOE, "ASSOCIEE"]

    dossier = (await fournisseur.client.get(f"/v1/dossiers/{piece['dossier_id']}")).json()
    assert [p["cadre"] for p in dossier["pieces"]] == ["A4", "A15", "A19"]
    assert [p["statut"] for p in dossier["pieces"]] == ["ASSOCIEE", "ASSOCIEE", "MISE_EN_PAIEMENT"]
    delai = dossier["delai_paiement"]
    assert delai["delai_jours"] == 30 and delai["debut"] == a4_piece["historique"][1]["at"]
    assert delai["mis_en_paiement_le"] is not None and not delai["en_retard"]

    assert await published_statuses(recorder, a4, 3) == ["DEPOSEE", MAD_MOE, "ASSOCIEE"]
    assert await published_statuses(recorder, a15, 3) == ["DEPOSEE", MAD_MOA, "ASSOCIEE"]
    assert await published_statuses(recorder, a19, 5) == [
        "DEPOSEE", MAD_DEST, "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT",
    ]  # fmt: skip


async def test_final_flow_a7_a17_a20_a8(cast, recorder):
    a7 = await deposited(cast.agents["fournisseur"], "A7", fournisseur=cast.siret("fournisseur"),
                         moe=cast.siret("moe"), moa=cast.siret("moa"))  # fmt: skip
    await wait_status(cast.agents["moe"], a7, MAD_MOE)
    a17 = await deposited(cast.agents["moe"], "A17", a7)
    await wait_status(cast.agents["moa"], a17, MAD_MOA)
    a20 = await deposited(cast.agents["moa"], "A20", a17)
    await wait_status(cast.agents["fournisseur"], a20, MAD_FOURNISSEUR)
    a8 = await deposited(cast.agents["fournisseur"], "A8", a20, destinataire=cast.siret("financier"))
    piece = await wait_status(cast.agents["financier"], a8, MAD_DEST)
    assert piece["attente"]["role"] == "SERVICE_FINANCIER" and piece["attente"]["siret"] == cast.siret("financier")
    for earlier in (a7, a17, a20):
        assert (await cast.agents["fournisseur"].client.get(f"/v1/pieces/{earlier}")).json()["statut"] == "ASSOCIEE"
    assert await published_statuses(recorder, a20, 3) == ["DEPOSEE", MAD_FOURNISSEUR, "ASSOCIEE"]
    assert await published_statuses(recorder, a8, 2) == ["DEPOSEE", MAD_DEST]


async def test_reduced_process_variants(cast, clock, recorder):
    fournisseur, moe, moa = cast.agents["fournisseur"], cast.agents["moe"], cast.agents["moa"]
    parties = {"fournisseur": cast.siret("fournisseur")}
    # A5: the fournisseur files the état d'acompte itself (no MOE); the MOA validates it (A19)
    a5 = await deposited(fournisseur, "A5", **parties, moa=cast.siret("moa"))
    await wait_status(moa, a5, MAD_MOA)
    a19 = await deposited(moa, "A19", a5, destinataire=cast.siret("financier"))
    await wait_status(cast.agents["financier"], a19, MAD_DEST)
    # A16: the MOE files the validated état d'acompte itself (no MOA)
    a4 = await deposited(fournisseur, "A4", **parties, moe=cast.siret("moe"))
    await wait_status(moe, a4, MAD_MOE)
    a16 = await deposited(moe, "A16", a4, destinataire=cast.siret("financier"))
    await wait_status(cast.agents["financier"], a16, MAD_DEST)
    # A6 and A8 as initial deposits go straight to the service financier
    for cadre in ("A6", "A8"):
        piece_id = await deposited(fournisseur, cadre, **parties, destinataire=cast.siret("financier"))
        assert statuses(await wait_status(cast.agents["financier"], piece_id, MAD_DEST)) == ["DEPOSEE", MAD_DEST]
    # A18: the MOE files the décompte général (no MOA); A24 once the signed DG is overdue
    a7 = await deposited(fournisseur, "A7", **parties, moe=cast.siret("moe"))
    await wait_status(moe, a7, MAD_MOE)
    a18 = await deposited(moe, "A18", a7)
    a18_piece = await wait_status(fournisseur, a18, MAD_FOURNISSEUR)
    early = await deposit(moe, "A24", a18, destinataire=cast.siret("financier"))
    assert problem(early) == (409, "delai_non_echu")
    await clock.planned(a18_piece["dossier_id"], "DG_NON_RETOURNE")
    await clock.set(30.01)
    a24 = await deposited_once_open(moe, "A24", a18, destinataire=cast.siret("financier"))
    await wait_status(cast.agents["financier"], a24, MAD_DEST)
    assert await published_statuses(recorder, a18, 3) == ["DEPOSEE", MAD_FOURNISSEUR, "ASSOCIEE"]


async def test_sous_traitant_a10_goes_to_the_moe_whether_the_titulaire_validates_or_refuses(cast, recorder):
    sous_traitant, titulaire = cast.agents["sous_traitant"], cast.agents["fournisseur"]
    parties = {
        "fournisseur": cast.siret("sous_traitant"),
        "valideur": cast.siret("fournisseur"),
        "moe": cast.siret("moe"),
    }
    validated = await deposited(sous_traitant, "A10", **parties)
    piece = await wait_status(titulaire, validated, "A_VALIDER_1")
    assert piece["attente"]["role"] == "VALIDEUR" and piece["attente"]["siret"] == cast.siret("fournisseur")
    await acted(titulaire, validated, "valider", commentaire="d'accord")
    assert statuses(await wait_status(cast.agents["moe"], validated, MAD_MOE)) == [
        "DEPOSEE", "A_VALIDER_1", "VALIDEE_1", MAD_MOE,
    ]  # fmt: skip
    refused = await deposited(sous_traitant, "A10", **parties)
    await wait_status(titulaire, refused, "A_VALIDER_1")
    await acted(titulaire, refused, "refuser_validation", motif="travaux non conformes")
    assert statuses(await wait_status(cast.agents["moe"], refused, MAD_MOE))[-2:] == ["REFUSEE_1", MAD_MOE]
    # the MOE then files its état d'acompte on the sous-traitant's demand
    a15 = await deposited(cast.agents["moe"], "A15", validated, moa=cast.siret("moa"))
    await wait_status(cast.agents["moa"], a15, MAD_MOA)
    assert await published_statuses(recorder, validated, 5) == [
        "DEPOSEE", "A_VALIDER_1", "VALIDEE_1", MAD_MOE, "ASSOCIEE",
    ]  # fmt: skip


async def test_cotraitant_a13_is_stopped_by_a_mandataire_refusal(cast, infrastructure, recorder):
    cotraitant, mandataire = cast.agents["cotraitant"], cast.agents["fournisseur"]
    parties = {"fournisseur": cast.siret("cotraitant"), "valideur": cast.siret("fournisseur"), "moe": cast.siret("moe")}
    validated = await deposited(cotraitant, "A13", **parties)
    await wait_status(mandataire, validated, "A_VALIDER_1")
    await acted(mandataire, validated, "valider")
    await wait_status(cast.agents["moe"], validated, MAD_MOE)
    stopped = await deposited(cotraitant, "A14", **parties)
    await wait_status(mandataire, stopped, "A_VALIDER_1")
    await acted(mandataire, stopped, "refuser_validation", motif="montants du groupement à revoir")
    await settled(infrastructure, recorder, mails=False)  # every service handled the refusal: nothing routes it further
    piece = (await cotraitant.client.get(f"/v1/pieces/{stopped}")).json()
    assert statuses(piece) == ["DEPOSEE", "A_VALIDER_1", "REFUSEE_1"] and piece["attente"] is None
    assert piece["actions_possibles"] == []


async def test_suspension_completion_recycling_and_rejection_at_the_service_financier(cast, recorder):
    financier, moa = cast.agents["financier"], cast.agents["moa"]
    _, _, a19 = await a19_at_financier(cast)
    # the API's own check (the statuses the service financier sets); the domain's refusals: services/deposit/tests/service
    assert problem(await act(financier, a19, "traiter", statut="ASSOCIEE")) == (422, "statut_traitement_invalide")
    await acted(financier, a19, "suspendre", motif="attestation manquante")
    suspended = await wait_status(moa, a19, "SUSPENDUE")
    assert suspended["attente"]["role"] == "MOA" and suspended["motif"] == "attestation manquante"
    attachment = ("attestation.pdf", data.PDF, "application/pdf")
    await acted(moa, a19, "completer", attachments=[attachment], commentaire="la voici")
    completed = await wait_status(financier, a19, MAD_DEST)
    assert statuses(completed)[-3:] == ["SUSPENDUE", "COMPLETEE", MAD_DEST]
    assert [a["filename"] for a in completed["pieces_jointes"]] == ["attestation.pdf"]
    dossier = (await moa.client.get(f"/v1/dossiers/{completed['dossier_id']}")).json()
    assert dossier["delai_paiement"]["interrompu_le"] is not None

    await acted(financier, a19, "traiter", statut="A_RECYCLER", motif="code service erroné")
    await wait_status(moa, a19, "A_RECYCLER")
    await acted(moa, a19, "recycler", code_service="TRAVAUX")
    recycled = await wait_status(financier, a19, MAD_DEST)
    assert recycled["code_service"] == "TRAVAUX"

    await acted(financier, a19, "rejeter", motif="pièce inexploitable")
    rejected = (await moa.client.get(f"/v1/pieces/{a19}")).json()
    assert rejected["statut"] == "REJETEE" and rejected["actions_possibles"] == []
    late = await act(financier, a19, "traiter", statut="SERVICE_FAIT")
    assert problem(late) == (409, "action_impossible") and late.json()["actions_possibles"] == []
    assert await published_statuses(recorder, a19, len(statuses(rejected))) == statuses(rejected)


async def test_two_concurrent_following_pieces_exactly_one_wins(cast, recorder, infrastructure):
    a4 = await a4_at_moe(cast)
    second_moe_agent = cast.agents["moe"]
    attempts = await asyncio.gather(*(deposit(second_moe_agent, "A15", a4) for _ in range(4)))
    codes = sorted(r.status_code for r in attempts)
    assert codes == [201, 409, 409, 409], [r.text for r in attempts]
    assert {r.json()["code"] for r in attempts if r.status_code == 409} == {"piece_precedente_deja_suivie"}
    dossier_id = attempts[0].json().get("dossier_id") or next(
        r.json()["dossier_id"] for r in attempts if r.status_code == 201
    )
    dossier = (await cast.agents["moe"].client.get(f"/v1/dossiers/{dossier_id}")).json()
    assert [p["cadre"] for p in dossier["pieces"]] == ["A4", "A15"]
    assert await published_statuses(recorder, a4, 3) == ["DEPOSEE", MAD_MOE, "ASSOCIEE"]
    await settled(infrastructure, recorder, mails=False)  # a status a losing attempt wrote would be read by now
    assert len([r for r in recorder.on("travaux.pieces.status") if r.is_about(a4)]) == 3
