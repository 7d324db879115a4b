"""Routing end to end, one family of routes at a time: who receives each cadre, with the receiving
structures' parameters (présence MOA, code service / numéro d'engagement obligatoires, services), the
routing errors the issuer sees and fixes with ``recycler``, and a directory change reaching routing.

Everything goes through the deposit API as users would; ``travaux.pieces.status`` is read as a
downstream system would, and routing's ``GET /v1/structures/{siret}`` tells when a directory change
has reached it. Each test builds its own structures (fresh SIRETs)."""

import asyncio
import time

import httpx
import pytest
import pytest_asyncio

from contracts import PieceStatusChanged, Structure, topics
from tests.e2e.test_circuit_scenarios import MAD_DEST, MAD_FOURNISSEUR, MAD_MOA, MAD_MOE, a4_at_moe, a19_at_financier
from tests.support.circuit import (
    act,
    acted,
    deposit,
    deposited,
    make_cast,
    problem,
    published_statuses,
    statuses,
    wait_status,
)
from tests.support.services import http

ERREUR, EN_COURS = "ERREUR_ACHEMINEMENT", "EN_COURS_ACHEMINEMENT"
PUBLIC = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
SERVICES = [{"code": "COMPTA", "libelle": "Comptabilité"}, {"code": "TRAVAUX", "libelle": "Travaux"}]


@pytest_asyncio.fixture
async def cast(directory):
    return await make_cast(directory)


# ---- local helpers ---------------------------------------------------------------------------------


async def routing_view(system, siret: str) -> dict | None:
    """The structure as routing knows it now, None while it does not know it."""
    async with http(system.routing_url, system.admin_token) as client:
        response = await client.get(f"/v1/structures/{siret}")
    if response.status_code == 404:
        assert response.json()["code"] == "structure_inconnue", response.text
        return None
    assert response.status_code == 200, response.text
    return response.json()


def _comparable(structure: dict) -> dict:
    return {k: v for k, v in Structure.model_validate(structure).model_dump(mode="json").items() if k != "contacts"}


async def routing_shows(system, structure: dict, timeout: float = 30.0) -> float:
    """Wait until routing's view of the structure is ``structure`` (as PUT, contacts aside); the seconds it took."""
    expected, started = _comparable(structure), time.monotonic()
    while True:
        seen = await routing_view(system, structure["siret"])
        if seen is not None and _comparable(seen) == expected:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"routing still shows {seen}, not {expected}"
        await asyncio.sleep(0.05)


async def change_structure(directory, system, structure: dict, **changes) -> tuple[dict, float]:
    """An administrator changes the structure through the directory API; returns the new body and the
    seconds between the change being accepted and routing showing it."""
    body = {**structure, **changes}
    response = await directory.admin.put(f"/v1/structures/{body['siret']}", json=body)
    assert response.status_code == 200, response.text
    return body, await routing_shows(system, body)


async def status_events(recorder, piece_id: str, count: int) -> list[PieceStatusChanged]:
    """The status events of the pièce on the public topic, in order (waits for ``count`` of them)."""
    found = await recorder.wait_for(topics.PIECES_STATUS, lambda r: r.is_about(piece_id), count)
    assert len(found) >= count, [r.event.data.statut for r in found]
    return [r.event.data for r in found]


async def view(actor, piece_id: str) -> dict:
    response = await actor.client.get(f"/v1/pieces/{piece_id}")
    assert response.status_code == 200, response.text
    return response.json()


def possible(piece: dict) -> set[tuple[str, str]]:
    return {(a["action"], a["role"]) for a in piece["actions_possibles"]}


def assert_routed(piece: dict, statut: str, role: str, siret: str) -> None:
    """The pièce was put at the disposal of ``siret`` by routing (the platform, not a user)."""
    assert piece["statut"] == statut, piece
    last = piece["historique"][-1]
    assert (last["statut"], last["action"], last["par"], last["motif"]) == (statut, "acheminer", None, None)
    assert piece["attente"]["role"] == role and piece["attente"]["siret"] == siret, piece["attente"]


def assert_routing_error(piece: dict, code: str, issuer_role: str, issuer: str, *mentions: str) -> str:
    """The pièce is in routing error ``code``, back with its issuer; returns the French detail."""
    assert piece["statut"] == ERREUR and piece["statut_libelle"] == "Erreur d'acheminement", piece
    last = piece["historique"][-1]
    assert (last["statut"], last["action"], last["par"], last["motif"]) == (ERREUR, "acheminer", None, code), last
    detail = last["comment"]
    assert piece["motif"] == code and piece["commentaire"] == detail, piece
    assert all(m in detail for m in mentions), detail
    assert piece["attente"]["role"] == issuer_role and piece["attente"]["siret"] == issuer, piece["attente"]
    assert "recycler" in piece["attente"]["action"], piece["attente"]
    assert possible(piece) == {("recycler", issuer_role)}
    return detail


async def a15_at_moa(cast, moa: str) -> tuple[str, str]:
    """A4 → MOE → A15 → the MOA ``moa`` (a structure name of the cast)."""
    a4 = await deposited(cast.agents["fournisseur"], "A4", fournisseur=cast.siret("fournisseur"),
                         moe=cast.siret("moe"), moa=cast.siret(moa))  # fmt: skip
    await wait_status(cast.agents["moe"], a4, MAD_MOE)
    a15 = await deposited(cast.agents["moe"], "A15", a4)
    await wait_status(cast.agents[moa], a15, MAD_MOA)
    return a4, a15


# ---- 1. to the MOE -----------------------------------------------------------------------------------


async def test_an_a4_goes_to_the_moe_it_names(cast, recorder):
    fournisseur, moe = cast.agents["fournisseur"], cast.agents["moe"]
    a4 = await a4_at_moe(cast)  # deposited by the fournisseur, naming the MOE and the MOA
    piece = await view(fournisseur, a4)
    assert statuses(piece) == ["DEPOSEE", MAD_MOE]
    assert_routed(piece, MAD_MOE, "MOE", cast.siret("moe"))
    assert "A15" in piece["attente"]["action"]  # the MOE is told to file its état d'acompte
    assert possible(piece) == {("refuser", "MOE")}
    # the MOE sees it in its synthèse; the MOA, party to the dossier, cannot act on it yet
    assert a4 in {row["piece_id"] for row in (await moe.client.get("/v1/synthese")).json()}
    assert problem(await act(cast.agents["moa"], a4, "refuser", motif="MAUVAISE_MOA")) == (403, "action_reservee")

    events = await status_events(recorder, a4, 2)
    assert [e.statut.value for e in events] == ["DEPOSEE", MAD_MOE]
    routed = events[1]
    assert routed.previous_statut.value == "DEPOSEE" and routed.action == "acheminer" and routed.motif is None
    assert (routed.expected_action.role.value, routed.expected_action.siret) == ("MOE", cast.siret("moe"))


# ---- 2. to the MOA -----------------------------------------------------------------------------------


async def test_an_a15_filed_by_the_moe_goes_to_the_moa_of_the_dossier(cast, recorder):
    a4, a15 = await a15_at_moa(cast, "moa")
    piece = await view(cast.agents["moa"], a15)
    assert statuses(piece) == ["DEPOSEE", MAD_MOA]
    assert_routed(piece, MAD_MOA, "MOA", cast.siret("moa"))
    assert piece["moa"] == cast.siret("moa") and piece["moe"] == cast.siret("moe")  # inherited from the A4
    assert possible(piece) == {("refuser", "MOA"), ("suspendre", "MOA")}
    assert "A19" in piece["attente"]["action"]
    assert (await view(cast.agents["moe"], a4))["statut"] == "ASSOCIEE"
    assert problem(await act(cast.agents["moe"], a15, "refuser", motif="MAUVAISE_MOA")) == (403, "action_reservee")
    events = await status_events(recorder, a15, 2)
    assert [e.statut.value for e in events] == ["DEPOSEE", MAD_MOA]
    assert events[1].expected_action.siret == cast.siret("moa")


# ---- 3. to the fournisseur ---------------------------------------------------------------------------


async def test_decomptes_generaux_a18_and_a20_go_to_the_fournisseur(cast, recorder):
    fournisseur, moe, moa = cast.agents["fournisseur"], cast.agents["moe"], cast.agents["moa"]
    parties = {"fournisseur": cast.siret("fournisseur"), "moe": cast.siret("moe")}
    # without a MOA, the MOE notifies the décompte général itself (A18)
    a7 = await deposited(fournisseur, "A7", **parties)
    await wait_status(moe, a7, MAD_MOE)
    a18 = await deposited(moe, "A18", a7)
    piece = await wait_status(fournisseur, a18, MAD_FOURNISSEUR)
    assert statuses(piece) == ["DEPOSEE", MAD_FOURNISSEUR]
    assert_routed(piece, MAD_FOURNISSEUR, "FOURNISSEUR", cast.siret("fournisseur"))
    assert possible(piece) == {("refuser", "FOURNISSEUR")} and "A8" in piece["attente"]["action"]
    # with a MOA: projet de décompte général (A17) to the MOA, which notifies the décompte général (A20)
    a7 = await deposited(fournisseur, "A7", **parties, moa=cast.siret("moa"))
    await wait_status(moe, a7, MAD_MOE)
    a17 = await deposited(moe, "A17", a7)
    await wait_status(moa, a17, MAD_MOA)
    a20 = await deposited(moa, "A20", a17)
    piece = await wait_status(fournisseur, a20, MAD_FOURNISSEUR)
    assert_routed(piece, MAD_FOURNISSEUR, "FOURNISSEUR", cast.siret("fournisseur"))
    assert problem(await act(moa, a20, "refuser", motif="AUTRE", commentaire="x")) == (403, "action_reservee")
    assert await published_statuses(recorder, a18, 2) == ["DEPOSEE", MAD_FOURNISSEUR]
    assert await published_statuses(recorder, a20, 2) == ["DEPOSEE", MAD_FOURNISSEUR]


# ---- 4. to the service financier ---------------------------------------------------------------------


async def test_an_a19_of_a_moa_exclusivement_moa_goes_to_its_distinct_sans_moa_destinataire(cast, recorder):
    _, _, a19 = await a19_at_financier(cast)  # MOA « exclusivement MOA », destinataire « sans MOA »
    financier, moa = cast.agents["financier"], cast.agents["moa"]
    piece = await view(financier, a19)
    assert statuses(piece) == ["DEPOSEE", MAD_DEST]
    assert_routed(piece, MAD_DEST, "SERVICE_FINANCIER", cast.siret("financier"))
    assert piece["destinataire"] == cast.siret("financier") and piece["code_service"] == "COMPTA"
    assert ("traiter", "SERVICE_FINANCIER") in possible(piece)
    # the MOA issued it and sees it, but only the service financier treats it
    assert problem(await act(moa, a19, "traiter", statut="SERVICE_FAIT")) == (403, "action_reservee")
    assert (await acted(financier, a19, "traiter", statut="SERVICE_FAIT"))["statut"] == "SERVICE_FAIT"
    events = await status_events(recorder, a19, 3)
    assert [e.statut.value for e in events] == ["DEPOSEE", MAD_DEST, "SERVICE_FAIT"]
    assert events[1].expected_action.siret == cast.siret("financier")


async def test_a_moa_avec_moa_named_as_destinataire_receives_and_treats_its_own_a19(cast, recorder):
    moa = cast.agents["moa_bis"]  # « avec MOA »: MOA and service financier in one SIRET
    _, a15 = await a15_at_moa(cast, "moa_bis")
    a19 = await deposited(moa, "A19", a15, destinataire=cast.siret("moa_bis"))
    piece = await wait_status(moa, a19, MAD_DEST)
    assert statuses(piece) == ["DEPOSEE", MAD_DEST]
    assert_routed(piece, MAD_DEST, "SERVICE_FINANCIER", cast.siret("moa_bis"))
    assert a19 in {row["piece_id"] for row in (await moa.client.get("/v1/synthese")).json()}
    for statut in ("SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        assert (await acted(moa, a19, "traiter", statut=statut))["statut"] == statut
    assert await published_statuses(recorder, a19, 5) == [
        "DEPOSEE", MAD_DEST, "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT",
    ]  # fmt: skip


async def test_an_a19_without_destinataire_goes_to_its_moa_avec_moa(cast, recorder):
    moa = cast.agents["moa_bis"]
    _, a15 = await a15_at_moa(cast, "moa_bis")
    response = await deposit(moa, "A19", a15)
    assert response.status_code == 201, response.text
    a19 = response.json()["piece_id"]
    piece = await wait_status(moa, a19, MAD_DEST)
    assert_routed(piece, MAD_DEST, "SERVICE_FINANCIER", cast.siret("moa_bis"))
    assert piece["destinataire"] == cast.siret("moa_bis")  # recorded on the pièce: the MOA is its own payer
    assert (await acted(moa, a19, "traiter", statut="SERVICE_FAIT"))["statut"] == "SERVICE_FAIT"


# ---- 5. the validation circuit -----------------------------------------------------------------------


async def test_an_a10_waits_for_its_valideur_then_goes_to_the_moe(cast, recorder):
    sous_traitant, titulaire, moe = cast.agents["sous_traitant"], cast.agents["fournisseur"], cast.agents["moe"]
    parties = {"fournisseur": cast.siret("sous_traitant"), "valideur": cast.siret("fournisseur"),
               "moe": cast.siret("moe")}  # fmt: skip
    a10 = await deposited(sous_traitant, "A10", **parties)
    piece = await wait_status(titulaire, a10, "A_VALIDER_1")
    assert_routed(piece, "A_VALIDER_1", "VALIDEUR", cast.siret("fournisseur"))
    assert possible(piece) == {("valider", "VALIDEUR"), ("refuser_validation", "VALIDEUR")}
    # the MOE, already party to the dossier, waits for the valideur
    assert problem(await act(moe, a10, "refuser", motif="MAUVAISE_MOE")) == (409, "action_impossible")
    assert problem(await act(sous_traitant, a10, "valider")) == (403, "action_reservee")

    await acted(titulaire, a10, "valider", commentaire="travaux conformes")
    piece = await wait_status(moe, a10, MAD_MOE)
    assert statuses(piece) == ["DEPOSEE", "A_VALIDER_1", "VALIDEE_1", MAD_MOE]
    validated = piece["historique"][2]
    assert (validated["action"], validated["par"], validated["comment"]) == (
        "valider", titulaire.email, "travaux conformes",
    )  # fmt: skip
    assert_routed(piece, MAD_MOE, "MOE", cast.siret("moe"))
    assert await published_statuses(recorder, a10, 4) == ["DEPOSEE", "A_VALIDER_1", "VALIDEE_1", MAD_MOE]


# ---- 6. routing errors, fixed by recycling -----------------------------------------------------------


async def test_a_missing_code_service_is_a_routing_error_the_moa_fixes_by_recycling(cast, directory, system, recorder):
    moa = cast.agents["moa"]
    tresorerie = await directory.structure("Tresorerie Stricte", **PUBLIC, presence_moa="SANS_MOA",
                                           code_service_obligatoire=True, services=SERVICES)  # fmt: skip
    comptable = await directory.user((tresorerie["siret"], "MODIFICATION"), name="Comptable")
    await routing_shows(system, tresorerie)
    _, a15 = await a15_at_moa(cast, "moa")
    a19 = await deposited(moa, "A19", a15, destinataire=tresorerie["siret"])

    piece = await wait_status(moa, a19, ERREUR)
    assert statuses(piece) == ["DEPOSEE", ERREUR]
    detail = assert_routing_error(piece, "code_service_obligatoire", "MOA", cast.siret("moa"),
                                  tresorerie["siret"], "Tresorerie Stricte", "code service obligatoire",
                                  "renseignez le code service")  # fmt: skip
    assert a19 in {row["piece_id"] for row in (await moa.client.get("/v1/synthese")).json()}
    # the destinataire sees the pièce in error but has nothing to do with it
    assert (await view(comptable, a19))["statut"] == ERREUR
    assert a19 not in {row["piece_id"] for row in (await comptable.client.get("/v1/synthese")).json()}
    assert problem(await act(comptable, a19, "recycler", code_service="COMPTA")) == (403, "action_reservee")
    assert problem(await act(moa, a19, "traiter", statut="SERVICE_FAIT")) == (409, "action_impossible")
    events = await status_events(recorder, a19, 2)
    error = events[1]
    assert (error.statut.value, error.previous_statut.value, error.action) == (ERREUR, "DEPOSEE", "acheminer")
    assert (error.motif, error.commentaire) == ("code_service_obligatoire", detail)
    assert (error.expected_action.role.value, error.expected_action.siret) == ("MOA", cast.siret("moa"))

    # a code service the destinataire does not have: another routing error, saying so
    assert problem(await act(moa, a19, "recycler")) == (422, "recyclage_sans_changement")
    await acted(moa, a19, "recycler", code_service="INCONNU")
    piece = await wait_status(moa, a19, ERREUR)  # recycling left it EN_COURS_ACHEMINEMENT: this is the new error
    assert statuses(piece) == ["DEPOSEE", ERREUR, EN_COURS, ERREUR]
    assert_routing_error(piece, "service_inconnu", "MOA", cast.siret("moa"), tresorerie["siret"], "« INCONNU »")

    await acted(moa, a19, "recycler", code_service="COMPTA", commentaire="code service de la comptabilité")
    piece = await wait_status(comptable, a19, MAD_DEST)
    assert statuses(piece) == ["DEPOSEE", ERREUR, EN_COURS, ERREUR, EN_COURS, MAD_DEST]
    recycled = piece["historique"][4]
    assert (recycled["action"], recycled["par"]) == ("recycler", moa.email)
    assert_routed(piece, MAD_DEST, "SERVICE_FINANCIER", tresorerie["siret"])
    assert piece["code_service"] == "COMPTA" and piece["destinataire"] == tresorerie["siret"]
    assert (await acted(comptable, a19, "traiter", statut="SERVICE_FAIT"))["statut"] == "SERVICE_FAIT"
    assert await published_statuses(recorder, a19, 7) == [*statuses(piece), "SERVICE_FAIT"]


def field_errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


async def test_a_moa_exclusivement_moa_named_as_destinataire_is_refused_on_the_piece_that_names_it(cast, recorder):
    """Caught at deposit, with the code routing would give, on the field that names it: nothing is stored."""
    moa, financier = cast.agents["moa"], cast.agents["financier"]
    _, a15 = await a15_at_moa(cast, "moa")
    refused = await deposit(moa, "A19", a15, destinataire=cast.siret("moa"))
    assert problem(refused) == (422, "destinataire_non_autorise")
    assert field_errors(refused) == [("destinataire", "destinataire_non_autorise")]
    detail = refused.json()["detail"]
    assert cast.siret("moa") in detail and "« exclusivement MOA »" in detail and "« sans MOA »" in detail
    assert (await view(moa, a15))["statut"] == MAD_MOA  # still waiting for its A19
    # an « avec MOA » structure is no destinataire for a MOA « exclusivement MOA » either
    refused = await deposit(moa, "A19", a15, destinataire=cast.siret("moa_bis"))
    assert field_errors(refused) == [("destinataire", "destinataire_non_autorise")]

    a19 = await deposited(moa, "A19", a15, destinataire=cast.siret("financier"))
    piece = await wait_status(financier, a19, MAD_DEST)
    assert_routed(piece, MAD_DEST, "SERVICE_FINANCIER", cast.siret("financier"))
    assert await published_statuses(recorder, a19, 2) == ["DEPOSEE", MAD_DEST]


async def test_a_moa_sans_moa_is_refused_at_deposit_and_at_recycling_and_caught_by_routing_if_it_changed_since(
    cast, directory, system
):
    fournisseur, moe = cast.agents["fournisseur"], cast.agents["moe"]
    sans_moa = await directory.structure("Syndicat Sans MOA", **PUBLIC, presence_moa="SANS_MOA")
    aucune = await directory.structure("Syndicat Sans Parametre", **PUBLIC)
    prive = await directory.structure("MOA Deleguee Privee")
    a4 = {"fournisseur": cast.siret("fournisseur"), "moe": cast.siret("moe")}
    for moa, code in ((sans_moa, "moa_non_autorisee"), (aucune, "moa_non_autorisee"), (prive, "moa_non_publique")):
        refused = await deposit(fournisseur, "A4", **a4, moa=moa["siret"])
        assert problem(refused) == (422, code) and field_errors(refused) == [("moa", code)], refused.text
        assert moa["siret"] in refused.json()["detail"]
    # two fields refused at once: each with its code
    refused = await deposit(fournisseur, "A4", **a4, moa=sans_moa["siret"], destinataire=cast.siret("moa"))
    assert problem(refused) == (422, "structure_invalide")
    assert field_errors(refused) == [("moa", "moa_non_autorisee"), ("destinataire", "destinataire_non_autorise")]

    # A MOA « avec MOA » at the deposit becomes « sans MOA » before the MOE files its A15: routing, which
    # checks again, stops the A15, and the MOE recycles it to a structure that may be MOA.
    syndicat = await directory.structure("Syndicat Qui Change", **PUBLIC, presence_moa="AVEC_MOA")
    a4 = await deposited(fournisseur, "A4", fournisseur=cast.siret("fournisseur"), moe=cast.siret("moe"),
                         moa=syndicat["siret"])  # fmt: skip
    await wait_status(moe, a4, MAD_MOE)
    await change_structure(directory, system, syndicat, presence_moa="SANS_MOA")
    a15 = await deposited(moe, "A15", a4)  # it inherits the MOA: left to routing
    piece = await wait_status(moe, a15, ERREUR)
    assert_routing_error(piece, "moa_non_autorisee", "MOE", cast.siret("moe"), syndicat["siret"], "« sans MOA »")
    refused = await act(moe, a15, "recycler", moa=sans_moa["siret"])
    assert problem(refused) == (422, "moa_non_autorisee") and field_errors(refused) == [("moa", "moa_non_autorisee")]
    assert (await view(moe, a15))["statut"] == ERREUR
    await acted(moe, a15, "recycler", moa=cast.siret("moa_bis"))
    piece = await wait_status(cast.agents["moa_bis"], a15, MAD_MOA)
    assert statuses(piece) == ["DEPOSEE", ERREUR, EN_COURS, MAD_MOA]
    assert_routed(piece, MAD_MOA, "MOA", cast.siret("moa_bis"))
    assert piece["moa"] == cast.siret("moa_bis")


PARAMETER_ERRORS = [
    pytest.param({"services": [*SERVICES, {"code": "FERME", "libelle": "Service fermé", "active": False}]},
                 {"code_service": "FERME"}, "service_inactif", ("« FERME » inactif",), {"code_service": "TRAVAUX"},
                 id="service_inactif"),
    pytest.param({"numero_engagement_obligatoire": True}, {"code_service": "COMPTA"},
                 "numero_engagement_obligatoire", ("numéro d'engagement obligatoire",),
                 {"numero_engagement": "EJ-2026-0042"}, id="numero_engagement_obligatoire"),
    pytest.param({"services": [*SERVICES, {"code": "EJ", "libelle": "Engagements", "numero_engagement_obligatoire": True}]},
                 {"code_service": "EJ"}, "numero_engagement_obligatoire", ("pour le service « EJ »",),
                 {"numero_engagement": "EJ-2026-0043"}, id="numero_engagement_obligatoire_du_service"),
    pytest.param({"engagement_ou_service_obligatoire": True}, {}, "engagement_ou_service_obligatoire",
                 ("numéro d'engagement ou code service obligatoire",), {"code_service": "COMPTA"},
                 id="engagement_ou_service_obligatoire"),
]  # fmt: skip


@pytest.mark.parametrize("params, fields, code, mentions, fix", PARAMETER_ERRORS)
async def test_a_destinataire_parameter_error_is_recycled_by_the_fournisseur(
    cast, directory, system, recorder, params, fields, code, mentions, fix
):
    """An A6 (deposited by the fournisseur straight to the service financier) breaking one of the
    destinataire's parameters: the fournisseur reads why and recycles with the missing data."""
    fournisseur = cast.agents["fournisseur"]
    destinataire = await directory.structure("Tresorerie Parametree", **PUBLIC, presence_moa="SANS_MOA",
                                             **{"services": SERVICES, **params})  # fmt: skip
    comptable = await directory.user((destinataire["siret"], "MODIFICATION"), name="Comptable")
    await routing_shows(system, destinataire)
    a6 = await deposited(fournisseur, "A6", fournisseur=cast.siret("fournisseur"),
                         destinataire=destinataire["siret"], **fields)  # fmt: skip
    piece = await wait_status(fournisseur, a6, ERREUR)
    detail = assert_routing_error(piece, code, "FOURNISSEUR", cast.siret("fournisseur"), destinataire["siret"],
                                  *mentions)  # fmt: skip
    error = (await status_events(recorder, a6, 2))[1]
    assert (error.motif, error.commentaire) == (code, detail)

    await acted(fournisseur, a6, "recycler", **fix)
    piece = await wait_status(comptable, a6, MAD_DEST)
    assert statuses(piece) == ["DEPOSEE", ERREUR, EN_COURS, MAD_DEST]
    assert_routed(piece, MAD_DEST, "SERVICE_FINANCIER", destinataire["siret"])
    assert all(piece[k] == v for k, v in fix.items())
    assert await published_statuses(recorder, a6, 4) == ["DEPOSEE", ERREUR, EN_COURS, MAD_DEST]


# ---- 7. a directory change reaches routing within seconds -------------------------------------------


async def test_a_directory_change_applies_to_the_next_piece_within_seconds(cast, directory, system, recorder):
    fournisseur = cast.agents["fournisseur"]
    tresorerie = await directory.structure("Tresorerie Changeante", **PUBLIC, presence_moa="SANS_MOA",
                                           services=SERVICES)  # fmt: skip
    comptable = await directory.user((tresorerie["siret"], "MODIFICATION"), name="Comptable")
    await routing_shows(system, tresorerie)

    async def a6(**fields) -> str:
        return await deposited(fournisseur, "A6", fournisseur=cast.siret("fournisseur"),
                               destinataire=tresorerie["siret"], **fields)  # fmt: skip

    assert_routed(
        await wait_status(comptable, await a6(), MAD_DEST), MAD_DEST, "SERVICE_FINANCIER", tresorerie["siret"]
    )

    took = {}
    # code service made mandatory: the next pièce without one is a routing error
    tresorerie, took["code_service_obligatoire on"] = await change_structure(
        directory, system, tresorerie, code_service_obligatoire=True
    )
    stopped = await a6()
    assert_routing_error(await wait_status(fournisseur, stopped, ERREUR), "code_service_obligatoire", "FOURNISSEUR",
                         cast.siret("fournisseur"), tresorerie["siret"])  # fmt: skip
    assert_routed(await wait_status(comptable, await a6(code_service="COMPTA"), MAD_DEST), MAD_DEST,
                  "SERVICE_FINANCIER", tresorerie["siret"])  # fmt: skip
    # and optional again: the next pièce without one routes
    tresorerie, took["code_service_obligatoire off"] = await change_structure(
        directory, system, tresorerie, code_service_obligatoire=False
    )
    assert_routed(
        await wait_status(comptable, await a6(), MAD_DEST), MAD_DEST, "SERVICE_FINANCIER", tresorerie["siret"]
    )

    # a service deactivated: the next pièce naming it is a routing error; the one in error is recycled
    closed = [SERVICES[0], {**SERVICES[1], "active": False}]
    tresorerie, took["service TRAVAUX off"] = await change_structure(directory, system, tresorerie, services=closed)
    inactive = await a6(code_service="TRAVAUX")
    assert_routing_error(await wait_status(fournisseur, inactive, ERREUR), "service_inactif", "FOURNISSEUR",
                         cast.siret("fournisseur"), "« TRAVAUX » inactif")  # fmt: skip
    tresorerie, took["service TRAVAUX on"] = await change_structure(directory, system, tresorerie, services=SERVICES)
    assert_routed(await wait_status(comptable, await a6(code_service="TRAVAUX"), MAD_DEST), MAD_DEST,
                  "SERVICE_FINANCIER", tresorerie["siret"])  # fmt: skip
    await acted(fournisseur, inactive, "recycler", code_service="COMPTA")
    assert statuses(await wait_status(comptable, inactive, MAD_DEST)) == ["DEPOSEE", ERREUR, EN_COURS, MAD_DEST]
    assert await published_statuses(recorder, stopped, 2) == ["DEPOSEE", ERREUR]

    print("\ndirectory change → routing's view: " + ", ".join(f"{k} {v:.2f} s" for k, v in took.items()))
    assert max(took.values()) < 10, took
