"""The read side as its users see it: the synthèse of what awaits them, the search with its filters and
exports, the tableau de bord, the liste fiscale and the zip of a dossier.

The module builds its own world (structures, users, three dossiers taken through the circuit) so
pièces of other tests never show: every search is narrowed to this world's structures.

    dossier 1: A4 (p1) → A15 by the MOE (p2) → A19 by the MOA (p3, service VOIRIE of the destinataire)
    dossier 2: A4 (p4), still awaiting the MOE
    dossier 3: A4 (p5) → A16 by the MOE (p6, MOA absent), sent to the destinataire
"""

import asyncio
import csv
import io
import json
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests.support import data
from tests.support.actors import Actor
from tests.support.data import saved_filename

TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()


def _day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def _pdf(label: str) -> bytes:
    return data.PDF + f"% {label}\n".encode()


@dataclass
class Piece:
    key: str
    numero: str
    body: dict
    document: bytes
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)
    piece_id: str = ""
    dossier_id: str = ""


@dataclass
class World:
    fournisseur: dict
    moe: dict
    moa: dict
    destinataire: dict
    outsider: dict
    marche: str
    users: dict[str, Actor]
    pieces: dict[str, Piece]

    def ids(self, *keys: str) -> list[str]:
        return [self.pieces[k].piece_id for k in keys]

    def key_of(self, piece_id: str) -> str | None:
        return next((k for k, p in self.pieces.items() if p.piece_id == piece_id), None)


async def _wait_for_status(client, piece_id: str, statut: str, timeout: float = 30.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        body = (await client.get(f"/v1/pieces/{piece_id}")).json()
        if body.get("statut") == statut:
            return body
        assert asyncio.get_running_loop().time() < deadline, f"{piece_id} still {body.get('statut')}, not {statut}"
        await asyncio.sleep(0.2)


async def _deposit(actor: Actor, piece: Piece) -> Piece:
    response = await actor.client.post(
        "/v1/pieces",
        files=data.multipart(piece.body, document=piece.document, attachments=piece.attachments),
    )
    assert response.status_code == 201, response.text
    piece.piece_id, piece.dossier_id = response.json()["piece_id"], response.json()["dossier_id"]
    return piece


def _amounts(ht: str, tva: str, ttc: str) -> dict:
    return {"montant_ht": ht, "montant_tva": tva, "montant_ttc": ttc}


def _following(numero: str, cadre: str, days_ago: int, previous: Piece, amounts: dict, **extra) -> dict:
    return {
        "cadre": cadre,
        "numero": numero,
        "date_piece": _day(days_ago),
        **amounts,
        "piece_precedente_id": previous.piece_id,
        **extra,
    }


@pytest_asyncio.fixture(scope="module")
async def world(directory) -> World:
    services = [
        {"code": "VOIRIE", "libelle": "Service de la voirie"},
        {"code": "ECOLES", "libelle": "Service des écoles"},
    ]
    fournisseur, moe, moa, destinataire, outsider = await asyncio.gather(
        directory.structure("Entreprise Lecture"),
        directory.structure("Cabinet Lecture"),
        directory.structure("Commune Lecture", public=True, presence_moa="AVEC_MOA"),
        directory.structure("Trésorerie Lecture", public=True, services=services),
        directory.structure("Entreprise Tierce"),
    )
    f, m, a, d = (s["siret"] for s in (fournisseur, moe, moa, destinataire))
    invited = {
        "fournisseur": ((f, "MODIFICATION"), "Agent Fournisseur"),
        "moe": ((m, "MODIFICATION"), "Agent Moe"),
        "moe_lecteur": ((m, "CONSULTATION"), "Lecteur Moe"),
        "moa": ((a, "MODIFICATION"), "Agent Moa"),
        "destinataire": ((d, "MODIFICATION"), "Agent Tresorerie"),
        "voirie": ((d, "CONSULTATION", "VOIRIE"), "Agent Voirie"),
        "ecoles": ((d, "MODIFICATION", "ECOLES"), "Agent Ecoles"),
        "tiers": ((outsider["siret"], "MODIFICATION"), "Agent Tiers"),
    }
    people = await asyncio.gather(*(directory.user(h, name=name) for h, name in invited.values()))
    users = dict(zip(invited, people, strict=True))
    marche = f"MARCHE-{uuid.uuid4().hex[:8]}"
    tag = uuid.uuid4().hex[:6]

    def a4(key: str, days_ago: int, amounts: dict, with_moa: bool = True) -> Piece:
        numero = f"RS-{tag}-{key}"
        body = data.piece(f, m, a if with_moa else None, numero=numero, **amounts)
        body.update(date_piece=_day(days_ago), numero_marche=marche)
        body.pop("montant_a_payer")  # defaults to the TTC
        return Piece(key, numero, body, _pdf(numero))

    pieces = {
        "p1": a4("p1", 20, _amounts("10000.00", "2000.00", "12000.00")),
        "p4": a4("p4", 10, _amounts("5000.00", "1000.00", "6000.00")),
        "p5": a4("p5", 15, _amounts("2500.00", "500.00", "3000.00"), with_moa=False),
    }
    pieces["p1"].attachments = [("metre;lot A.xlsx", b"PK\x03\x04 metre", "application/octet-stream")]
    for key in ("p1", "p4", "p5"):  # in this order: their dates of deposit are what some searches sort on
        await _deposit(users["fournisseur"], pieces[key])
    await asyncio.gather(
        *(
            _wait_for_status(users["fournisseur"].client, pieces[key].piece_id, "MISE_A_DISPOSITION_MOE")
            for key in ("p1", "p4", "p5")
        )
    )

    def following(key: str, cadre: str, days_ago: int, previous: str, amounts: dict, **extra) -> Piece:
        numero = f"RS-{tag}-{key}"
        return Piece(key, numero, _following(numero, cadre, days_ago, pieces[previous], amounts, **extra), _pdf(numero))

    pieces["p2"] = await _deposit(
        users["moe"], following("p2", "A15", 5, "p1", _amounts("9800.00", "1960.00", "11760.00"))
    )
    pieces["p6"] = await _deposit(
        users["moe"],
        following("p6", "A16", 3, "p5", _amounts("2000.00", "400.00", "2400.00"), destinataire=d),
    )
    await _wait_for_status(users["moe"].client, pieces["p2"].piece_id, "MISE_A_DISPOSITION_MOA")
    await _wait_for_status(users["moe"].client, pieces["p6"].piece_id, "MISE_A_DISPOSITION_DESTINATAIRE")
    pieces["p3"] = await _deposit(
        users["moa"],
        following(
            "p3", "A19", 2, "p2", _amounts("9500.00", "1900.00", "11400.00"), destinataire=d, code_service="VOIRIE"
        ),
    )
    await _wait_for_status(users["moa"].client, pieces["p3"].piece_id, "MISE_A_DISPOSITION_DESTINATAIRE")
    return World(fournisseur, moe, moa, destinataire, outsider, marche, users, pieces)


async def _search(actor: Actor, **params) -> dict:
    response = await actor.client.get("/v1/pieces", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _found(world: World, actor: Actor, structure: str | None = "", **params) -> list[str]:
    """The keys (p1...) of the pièces a search finds, in the order given; by default among the pièces of
    this world's fournisseur (``structure=None``: no structure given)."""
    if structure is not None:
        params["structure"] = structure or world.fournisseur["siret"]
    body = await _search(actor, **params)
    assert body["total"] == len(body["resultats"]), body
    return [world.key_of(r["piece_id"]) for r in body["resultats"]]


# ---- synthèse ---------------------------------------------------------------------------------------


async def _pending(world: World, who: str) -> list[dict]:
    response = await world.users[who].client.get("/v1/synthese")
    assert response.status_code == 200, response.text
    mine = set(world.ids(*world.pieces))
    return [item for item in response.json() if item["piece_id"] in mine]


async def test_the_synthese_shows_the_moe_what_awaits_its_action_and_not_the_fournisseur(world):
    [item] = await _pending(world, "moe")

    p4 = world.pieces["p4"]
    assert item["piece_id"] == p4.piece_id and item["dossier_id"] == p4.dossier_id
    assert item["numero"] == p4.numero and item["cadre"] == "A4" and item["statut"] == "MISE_A_DISPOSITION_MOE"
    assert item["statut_libelle"] == "Mise à disposition de la MOE" and item["cadre_libelle"].startswith("Dépôt")
    assert item["montant_ttc"] == "6000.00" and item["fournisseur"] == world.fournisseur["siret"]
    assert item["attente"]["role"] == "MOE" and item["attente"]["siret"] == world.moe["siret"]
    assert item["attente"]["action"]
    assert datetime.fromisoformat(item["updated_at"]).tzinfo is not None

    assert await _pending(world, "fournisseur") == []
    assert await _pending(world, "tiers") == []


async def test_the_synthese_of_the_service_financier_lists_the_oldest_first(world):
    items = await _pending(world, "destinataire")

    assert [world.key_of(i["piece_id"]) for i in items] == ["p6", "p3"]
    assert {(i["attente"]["role"], i["attente"]["siret"]) for i in items} == {
        ("SERVICE_FINANCIER", world.destinataire["siret"])
    }
    assert items[0]["updated_at"] <= items[1]["updated_at"]
    # A habilitation limited to the ECOLES service does not cover VOIRIE's A19 nor the A16 without service.
    assert await _pending(world, "ecoles") == []


async def test_a_consultation_user_finds_the_pieces_but_has_nothing_to_do(world):
    reader = world.users["moe_lecteur"]

    assert sorted(await _found(world, reader)) == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert (await reader.client.get("/v1/synthese")).json() == []


# ---- recherche --------------------------------------------------------------------------------------


async def test_search_lists_the_most_recent_deposit_first_with_every_field(world):
    moe = world.users["moe"]
    body = await _search(moe, structure=world.fournisseur["siret"])

    assert [world.key_of(r["piece_id"]) for r in body["resultats"]] == ["p3", "p6", "p2", "p5", "p4", "p1"]
    assert (body["page"], body["taille"], body["total"], body["pages"]) == (1, 50, 6, 1)
    p3 = body["resultats"][0]
    assert p3["cadre"] == "A19" and p3["statut"] == "MISE_A_DISPOSITION_DESTINATAIRE"
    assert (p3["montant_ht"], p3["montant_tva"], p3["montant_ttc"], p3["montant_a_payer"]) == (
        "9500.00",
        "1900.00",
        "11400.00",
        "11400.00",
    )
    assert p3["destinataire"] == world.destinataire["siret"] and p3["code_service"] == "VOIRIE"
    assert p3["moe"] == world.moe["siret"] and p3["moa"] == world.moa["siret"]
    assert p3["numero_marche"] == world.marche and p3["devise"] == "EUR" and p3["date_piece"] == _day(2)
    assert p3["dossier_id"] == world.pieces["p1"].dossier_id


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"cadre": "A4"}, ["p5", "p4", "p1"]),
        ({"cadre": ["A4", "A19"]}, ["p3", "p5", "p4", "p1"]),
        ({"statut": "MISE_A_DISPOSITION_DESTINATAIRE"}, ["p3", "p6"]),
        ({"statut": ["MISE_A_DISPOSITION_MOE", "MISE_A_DISPOSITION_MOA"]}, ["p4"]),
        ({"cadre": "A4", "statut": "ASSOCIEE"}, ["p5", "p1"]),
        ({"montant_min": "2400", "montant_max": "6000.00"}, ["p6", "p5", "p4"]),
        ({"montant_min": "11400.00"}, ["p3", "p2", "p1"]),
        ({"montant_max": "2399.99"}, []),
        ({"date_du": _day(10), "date_au": _day(3)}, ["p6", "p2", "p4"]),
        ({"date_au": _day(15)}, ["p5", "p1"]),
        ({"depose_du": TODAY.isoformat(), "depose_au": TODAY.isoformat()}, ["p3", "p6", "p2", "p5", "p4", "p1"]),
        ({"depose_au": _day(1)}, []),
        ({"role": "FOURNISSEUR"}, ["p3", "p6", "p2", "p5", "p4", "p1"]),  # structure=the fournisseur
        ({"code_service": "VOIRIE"}, ["p3"]),
    ],
)
async def test_search_filters(world, params, expected):
    assert await _found(world, world.users["moe"], **params) == expected


async def test_search_by_numero_marche_numero_and_structure_role(world):
    moe, pieces = world.users["moe"], world.pieces

    assert await _found(world, moe, numero=pieces["p4"].numero) == ["p4"]
    assert len(await _found(world, moe, numero_marche=world.marche)) == 6
    d = world.destinataire["siret"]
    assert await _found(world, moe, structure=d, role="SERVICE_FINANCIER") == ["p3", "p6"]
    assert await _found(world, moe, structure=d) == ["p3", "p6", "p2", "p5", "p1"]  # every pièce of its dossiers
    # Without `structure`, the role is played by one of the caller's own structures.
    assert len(await _found(world, moe, numero_marche=world.marche, structure=None, role="MOE")) == 6
    assert await _found(world, moe, numero_marche=world.marche, structure=None, role="FOURNISSEUR") == []
    assert await _found(world, moe, structure=world.moa["siret"], role="MOA") == ["p3", "p2", "p4", "p1"]


async def test_search_pages(world):
    moe, f = world.users["moe"], world.fournisseur["siret"]

    second = await _search(moe, structure=f, taille=1, page=2)
    assert (second["page"], second["taille"], second["total"], second["pages"]) == (2, 1, 6, 6)
    assert [world.key_of(r["piece_id"]) for r in second["resultats"]] == ["p6"]
    last = await _search(moe, structure=f, taille=4, page=2)
    assert [world.key_of(r["piece_id"]) for r in last["resultats"]] == ["p4", "p1"] and last["pages"] == 2
    beyond = await _search(moe, structure=f, taille=4, page=3)
    assert beyond["resultats"] == [] and beyond["total"] == 6


async def test_a_user_who_is_no_party_finds_nothing(world):
    tiers = world.users["tiers"]

    assert (await _search(tiers, structure=world.fournisseur["siret"]))["total"] == 0
    assert (await _search(tiers, numero=world.pieces["p1"].numero))["total"] == 0
    fiscal = (await tiers.client.get("/v1/liste-fiscale", params={"structure": world.fournisseur["siret"]})).json()
    assert fiscal["total"] == 0 and fiscal["montant_ttc_total"] == "0.00"


async def test_a_habilitation_limited_to_a_service_sees_only_that_services_pieces(world):
    voirie, ecoles = world.users["voirie"], world.users["ecoles"]

    assert await _found(world, voirie) == ["p3"]
    assert await _found(world, ecoles) == []
    paged = await _search(voirie, structure=world.fournisseur["siret"], taille=1, page=1)
    assert paged["total"] == 1 and paged["pages"] == 1


async def test_search_exports_the_same_rows_as_csv_and_xml(world):
    moe, f = world.users["moe"], world.fournisseur["siret"]
    expected = (await _search(moe, structure=f))["resultats"]

    response = await moe.client.get("/v1/pieces", params={"structure": f, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert saved_filename(response.headers["content-disposition"]) == "pieces.csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows == [{k: "" if v is None else str(v) for k, v in item.items()} for item in expected]
    assert "Mise à disposition de la MOE" in response.content.decode("utf-8")

    response = await moe.client.get("/v1/pieces", params={"structure": f, "format": "xml", "taille": 2, "page": 2})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "pieces" and root.get("page") == "2" and root.get("total") == "6"
    pieces = root.findall("piece")
    assert [p.findtext("piece_id") for p in pieces] == [r["piece_id"] for r in expected[2:4]]
    assert pieces[0].findtext("statut_libelle") == expected[2]["statut_libelle"]
    assert pieces[0].findtext("montant_ttc") == expected[2]["montant_ttc"]


async def test_invalid_search_parameters_are_refused_with_a_code(world):
    moe = world.users["moe"].client

    for params, code in [
        ({"format": "pdf"}, "format_inconnu"),
        ({"montant_min": "100", "montant_max": "10"}, "intervalle_invalide"),
        ({"date_du": _day(1), "date_au": _day(5)}, "intervalle_invalide"),
        ({"montant_min": "dix"}, "montant_invalide"),
        ({"taille": 0}, "champ_invalide"),
        ({"taille": 501}, "champ_invalide"),
        ({"page": 0}, "champ_invalide"),
        ({"cadre": "A99"}, "champ_invalide"),
        ({"role": "ARCHITECTE"}, "champ_invalide"),
        ({"structure": "12345678901234"}, "champ_invalide"),
        ({"depose_du": "hier"}, "champ_invalide"),
    ]:
        response = await moe.get("/v1/pieces", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code, (params, response.json())


async def test_every_read_endpoint_requires_a_token(directory, world):
    anonymous = directory.anonymous()
    dossier = world.pieces["p1"].dossier_id
    for path in (
        "/v1/synthese",
        "/v1/pieces",
        "/v1/tableau-de-bord",
        "/v1/liste-fiscale",
        f"/v1/dossiers/{dossier}/export",
    ):
        response = await anonymous.get(path)
        assert response.status_code == 401 and response.json()["code"] == "authentification_requise", path
    response = await anonymous.get("/v1/synthese", headers={"Authorization": "Bearer tvx_inconnu"})
    assert response.status_code == 401 and response.json()["code"] == "jeton_invalide"


# ---- tableau de bord --------------------------------------------------------------------------------


async def _dashboard(actor: Actor) -> dict:
    response = await actor.client.get("/v1/tableau-de-bord")
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_dashboard_counts_by_service_cadre_and_statut(world):
    [moe] = (await _dashboard(world.users["moe"]))["structures"]

    assert moe["siret"] == world.moe["siret"] and moe["nom"] == "Cabinet Lecture" and moe["total"] == 6
    assert moe["services"] == [
        {
            "code_service": "VOIRIE",
            "libelle": "VOIRIE",  # the MOE has no service of that code: its code stands for its label
            "total": 1,
            "cadres": [{"cadre": "A19", "total": 1, "statuts": {"MISE_A_DISPOSITION_DESTINATAIRE": 1}}],
        },
        {
            "code_service": None,
            "libelle": "Sans service",
            "total": 5,
            "cadres": [
                {"cadre": "A4", "total": 3, "statuts": {"ASSOCIEE": 2, "MISE_A_DISPOSITION_MOE": 1}},
                {"cadre": "A15", "total": 1, "statuts": {"ASSOCIEE": 1}},
                {"cadre": "A16", "total": 1, "statuts": {"MISE_A_DISPOSITION_DESTINATAIRE": 1}},
            ],
        },
    ]


async def test_the_dashboard_names_services_of_the_structure_and_respects_service_habilitations(world):
    [tresorerie] = (await _dashboard(world.users["destinataire"]))["structures"]

    assert tresorerie["nom"] == "Trésorerie Lecture" and tresorerie["total"] == 5  # dossiers 1 and 3
    assert [(s["code_service"], s["libelle"], s["total"]) for s in tresorerie["services"]] == [
        ("VOIRIE", "Service de la voirie", 1),
        (None, "Sans service", 4),
    ]
    [voirie] = (await _dashboard(world.users["voirie"]))["structures"]
    assert voirie["total"] == 1 and [s["code_service"] for s in voirie["services"]] == ["VOIRIE"]
    [tiers] = (await _dashboard(world.users["tiers"]))["structures"]
    assert tiers == {"siret": world.outsider["siret"], "nom": "Entreprise Tierce", "total": 0, "services": []}


# ---- liste fiscale ----------------------------------------------------------------------------------


async def test_the_fiscal_list_lists_the_payable_pieces_with_their_totals(world):
    moe, f = world.users["moe"], world.fournisseur["siret"]

    response = await moe.client.get("/v1/liste-fiscale", params={"structure": f})

    assert response.status_code == 200, response.text
    body = response.json()
    assert [line["numero"] for line in body["lignes"]] == [world.pieces["p6"].numero, world.pieces["p3"].numero]
    assert (body["du"], body["au"], body["total"]) == (None, None, 2)
    assert (body["montant_ht_total"], body["montant_tva_total"], body["montant_ttc_total"]) == (
        "11500.00",
        "2300.00",
        "13800.00",
    )
    a19 = body["lignes"][1]
    assert a19 == {
        "numero": world.pieces["p3"].numero,
        "date_piece": _day(2),
        "cadre": "A19",
        "fournisseur": f,
        "destinataire": world.destinataire["siret"],
        "numero_marche": world.marche,
        "numero_engagement": None,
        "devise": "EUR",
        "type_tva": "TVA_SUR_ENCAISSEMENTS",
        "montant_ht": "9500.00",
        "montant_tva": "1900.00",
        "montant_ttc": "11400.00",
        "montant_a_payer": "11400.00",
        "statut": "MISE_A_DISPOSITION_DESTINATAIRE",
    }

    dated = (await moe.client.get("/v1/liste-fiscale", params={"structure": f, "du": _day(2), "au": _day(0)})).json()
    assert [line["numero"] for line in dated["lignes"]] == [world.pieces["p3"].numero]
    assert (dated["du"], dated["au"], dated["montant_ttc_total"]) == (_day(2), _day(0), "11400.00")

    csv_answer = await moe.client.get("/v1/liste-fiscale", params={"structure": f, "format": "csv"})
    assert csv_answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(csv_answer.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows == [{k: "" if v is None else str(v) for k, v in line.items()} for line in body["lignes"]]

    xml_answer = await moe.client.get("/v1/liste-fiscale", params={"structure": f, "format": "xml"})
    root = ET.fromstring(xml_answer.content)
    assert root.get("total") == "2" and root.get("montant_ttc_total") == "13800.00"
    assert [line.findtext("numero") for line in root.findall("ligne")] == [x["numero"] for x in body["lignes"]]


async def test_the_fiscal_list_refuses_a_period_upside_down(world):
    response = await world.users["moe"].client.get("/v1/liste-fiscale", params={"du": _day(1), "au": _day(3)})
    assert response.status_code == 422 and response.json()["code"] == "intervalle_invalide"


# ---- export d'un dossier ----------------------------------------------------------------------------


async def test_a_dossier_exports_as_a_zip_of_its_documents_and_its_history(world):
    moe, p = world.users["moe"], world.pieces
    dossier_id = p["p1"].dossier_id

    response = await moe.client.get(f"/v1/dossiers/{dossier_id}/export")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert saved_filename(response.headers["content-disposition"]) == f"dossier-{dossier_id}.zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(
        [
            f"{p['p1'].numero}/pdm.pdf",
            f"{p['p1'].numero}/pieces-jointes/0-metre_lot A.xlsx",
            f"{p['p2'].numero}/pdm.pdf",
            f"{p['p3'].numero}/pdm.pdf",
            "dossier.json",
        ]
    )
    for key in ("p1", "p2", "p3"):
        assert archive.read(f"{p[key].numero}/pdm.pdf") == p[key].document
    assert archive.read(f"{p['p1'].numero}/pieces-jointes/0-metre_lot A.xlsx") == b"PK\x03\x04 metre"

    summary = json.loads(archive.read("dossier.json"))
    assert summary["dossier_id"] == dossier_id and summary["fournisseur"] == world.fournisseur["siret"]
    assert [piece["piece_id"] for piece in summary["pieces"]] == world.ids("p1", "p2", "p3")
    history = {piece["numero"]: [h["statut"] for h in piece["historique"]] for piece in summary["pieces"]}
    assert history[p["p3"].numero] == ["DEPOSEE", "MISE_A_DISPOSITION_DESTINATAIRE"]
    assert history[p["p1"].numero][:2] == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]
    assert history[p["p1"].numero][-1] == "ASSOCIEE"
    assert (
        summary["pieces"][0]["pieces_jointes"][0]["filename"] == "metre_lot A.xlsx"
    )  # the « ; » of the upload made safe
    assert summary["pieces"][2]["montant_ttc"] == "11400.00"


async def test_a_dossier_export_holds_only_what_the_caller_may_read(world):
    dossier_id = world.pieces["p1"].dossier_id

    response = await world.users["voirie"].client.get(f"/v1/dossiers/{dossier_id}/export")
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted([f"{world.pieces['p3'].numero}/pdm.pdf", "dossier.json"])

    for who, path in [("tiers", dossier_id), ("ecoles", dossier_id), ("moe", str(uuid.uuid4()))]:
        response = await world.users[who].client.get(f"/v1/dossiers/{path}/export")
        assert response.status_code == 404 and response.json()["code"] == "dossier_inconnu", who
