"""What parties see and do, with the content checked (the generated matrix of every operation × every kind
of caller is tests/e2e/test_access_matrix.py): parties see, only the expected actor with MODIFICATION acts,
others get 404 (not 403, the dossier's existence stays private), no token 401; lists show a caller only
what it may read."""

import pytest
import pytest_asyncio

from tests.support import data
from tests.support.circuit import deposit, deposited, make_cast, wait_status

MAD_MOE, MAD_MOA, MAD_DEST = "MISE_A_DISPOSITION_MOE", "MISE_A_DISPOSITION_MOA", "MISE_A_DISPOSITION_DESTINATAIRE"


@pytest_asyncio.fixture(scope="module")
async def world(directory):
    cast = await make_cast(directory)
    a4 = await deposited(cast.agents["fournisseur"], "A4", fournisseur=cast.siret("fournisseur"),
                         moe=cast.siret("moe"), moa=cast.siret("moa"))  # fmt: skip
    await wait_status(cast.agents["moe"], a4, MAD_MOE)
    a15 = await deposited(cast.agents["moe"], "A15", a4)
    await wait_status(cast.agents["moa"], a15, MAD_MOA)
    attachment = ("annexe.pdf", data.PDF, "application/pdf")
    a19 = await deposited(
        cast.agents["moa"], "A19", a15, destinataire=cast.siret("financier"), attachments=[attachment]
    )
    piece = await wait_status(cast.agents["financier"], a19, MAD_DEST)
    other_a4 = await deposited(cast.agents["fournisseur"], "A4", fournisseur=cast.siret("fournisseur"),
                               moe=cast.siret("moe"))  # fmt: skip
    await wait_status(cast.agents["moe"], other_a4, MAD_MOE)
    return {
        "cast": cast,
        "a19": a19,
        "dossier": piece["dossier_id"],
        "a4_at_moe": other_a4,
        "anonymous": directory.anonymous(),
    }


READS = [
    "/v1/pieces/{a19}",
    "/v1/pieces/{a19}/historique",
    "/v1/pieces/{a19}/document",
    "/v1/pieces/{a19}/pieces-jointes/0",
    "/v1/dossiers/{dossier}",
    "/v1/dossiers/{dossier}/export",
]


@pytest.mark.parametrize("path", READS)
async def test_reading_a_piece_or_dossier(world, path):
    cast, url = world["cast"], path.format(**world)
    for party in ("fournisseur", "moe", "moa", "financier"):
        assert (await cast.agents[party].client.get(url)).status_code == 200, (party, url)
    assert (await cast.lecteur.client.get(url)).status_code == 200
    hidden = await cast.outsider.client.get(url)
    assert hidden.status_code == 404 and hidden.json()["code"] in ("piece_inconnue", "dossier_inconnu")
    anonymous = await world["anonymous"].get(url)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "authentification_requise"


@pytest.mark.parametrize(
    "path, key",
    [
        ("/v1/pieces?structure={financier}", "resultats"),
        ("/v1/liste-fiscale?structure={financier}", "lignes"),
    ],
)
async def test_lists_show_only_what_the_caller_may_see(world, path, key):
    cast = world["cast"]
    url = path.format(financier=cast.siret("financier"))

    async def ids(client) -> set[str]:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        return {row.get("piece_id") or row.get("numero") for row in response.json()[key]}

    seen_by_party = await ids(cast.agents["financier"].client)
    assert seen_by_party and seen_by_party == await ids(cast.lecteur.client)
    assert await ids(cast.outsider.client) == set()
    assert (await world["anonymous"].get(url)).status_code == 401


async def test_synthese_and_tableau_de_bord(world):
    cast, a19 = world["cast"], world["a19"]
    synthese = (await cast.agents["financier"].client.get("/v1/synthese")).json()
    assert a19 in {row["piece_id"] for row in synthese}
    for client in (cast.lecteur.client, cast.outsider.client, cast.agents["fournisseur"].client):
        assert a19 not in {row["piece_id"] for row in (await client.get("/v1/synthese")).json()}
    board = (await cast.outsider.client.get("/v1/tableau-de-bord")).json()
    assert cast.siret("financier") not in {s["siret"] for s in board["structures"]}
    assert cast.siret("financier") in {
        s["siret"] for s in (await cast.lecteur.client.get("/v1/tableau-de-bord")).json()["structures"]
    }
    for url in ("/v1/synthese", "/v1/tableau-de-bord"):
        assert (await world["anonymous"].get(url)).status_code == 401


ACTIONS = [
    ("refuser", {"motif": "MAUVAISE_MOE"}),
    ("suspendre", {"motif": "pièce manquante"}),
    ("recycler", {"code_service": "TRAVAUX"}),
    ("rejeter", {"motif": "inexploitable"}),
    ("traiter", {"statut": "SERVICE_FAIT"}),
    ("valider", {}),
    ("refuser_validation", {"motif": "non"}),
]


@pytest.mark.parametrize("action, body", ACTIONS, ids=[a for a, _ in ACTIONS])
async def test_acting_on_a_piece(world, action, body):
    cast, url = world["cast"], f"/v1/pieces/{world['a4_at_moe']}/actions/{action}"
    # the party the pièce waits for gets past authorization: the state machine answers (200 or 409)
    answer = await cast.agents["moe"].client.post(url, json=body)
    if action == "refuser":
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 409 and answer.json()["code"] == "action_impossible", answer.text
    # once the MOE refused the A4 nothing is expected anymore; before, others were refused the same way
    hidden = await cast.outsider.client.post(url, json=body)
    assert hidden.status_code == 404 and hidden.json()["code"] == "piece_inconnue"
    assert (await world["anonymous"].post(url, json=body)).status_code == 401


async def test_a_party_that_is_not_the_expected_actor_or_only_reads_cannot_act(world):
    cast, a19 = world["cast"], world["a19"]
    url = f"/v1/pieces/{a19}/actions/traiter"
    for client in (cast.lecteur.client, cast.agents["moa"].client, cast.agents["fournisseur"].client):
        refused = await client.post(url, json={"statut": "SERVICE_FAIT"})
        assert refused.status_code == 403 and refused.json()["code"] == "action_reservee"
    assert (await cast.agents["financier"].client.post(url, json={"statut": "SERVICE_FAIT"})).status_code == 200


async def test_depositing_a_piece_suivante(world, directory):
    cast = world["cast"]
    a4 = await deposited(cast.agents["fournisseur"], "A4", fournisseur=cast.siret("fournisseur"), moe=cast.siret("moe"))
    await wait_status(cast.agents["moe"], a4, MAD_MOE)
    assert (await deposit(cast.lecteur, "A15", a4, moa=cast.siret("moa"))).json()["code"] == "habilitation_requise"
    assert (await deposit(cast.outsider, "A15", a4, moa=cast.siret("moa"))).json()[
        "code"
    ] == "piece_precedente_inconnue"
    assert (await deposit(world["anonymous"], "A15", a4, moa=cast.siret("moa"))).status_code == 401
    assert (await deposit(cast.agents["moe"], "A15", a4, moa=cast.siret("moa"))).status_code == 201


async def test_the_directory(world, directory):
    cast = world["cast"]
    financier = cast.siret("financier")
    for client in (cast.lecteur.client, cast.outsider.client):
        assert (await client.get("/v1/structures")).status_code == 200
        shown = (await client.get(f"/v1/structures/{financier}")).json()
        assert shown["contacts"] == []  # people's addresses only for those who manage the structure
        assert (await client.get(f"/v1/structures/{financier}/habilitations")).status_code == 403
        body = {**shown, "nom": "Renommée"}
        assert (await client.put(f"/v1/structures/{financier}", json=body)).status_code == 403
    admin_view = (await directory.admin.get(f"/v1/structures/{financier}")).json()
    assert cast.agents["financier"].email in {c["email"] for c in admin_view["contacts"]}
    assert (await world["anonymous"].get("/v1/structures")).status_code == 401
    me = (await cast.lecteur.client.get("/v1/moi")).json()
    assert me["email"] == cast.lecteur.email and {h["profil"] for h in me["habilitations"]} == {"CONSULTATION"}
    # a token is shown once, listed without its value, and stops working once revoked; only its owner makes it
    mine = f"/v1/utilisateurs/{cast.lecteur.email}/jetons"
    assert (await directory.admin.post(mine, json={})).status_code == 403
    created = (await cast.lecteur.client.post(mine, json={})).json()
    listed = (await cast.lecteur.client.get(mine)).json()
    assert created["jeton_id"] in {t["jeton_id"] for t in listed} and all("jeton" not in t for t in listed)
    headers = {"Authorization": f"Bearer {created['jeton']}"}
    assert (await world["anonymous"].get("/v1/moi", headers=headers)).status_code == 200
    revoked = await cast.lecteur.client.delete(f"{mine}/{created['jeton_id']}")
    assert revoked.status_code == 204
    gone = await world["anonymous"].get("/v1/moi", headers=headers)
    assert gone.status_code == 401 and gone.json()["code"] == "jeton_invalide"
