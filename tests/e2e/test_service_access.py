"""Every service authenticates every request, and a dossier's operations data (the mails sent, the legal
deadlines, the archive's activity record) reaches only its parties and the platform administrator:

- notification ``GET /v1/dossiers/{id}/notifications``, routing ``GET /v1/dossiers/{id}/echeances``, archive
  ``GET /v1/dossiers/{id}/activite``: 401 without a valid token, 404 ``dossier_inconnu`` to a non-party (as
  for an unknown dossier), 200 to a party (a habilitation limited to a service: if it reads one of the
  dossier's pièces) and to the administrator;
- routing ``GET /v1/structures/{siret}``: any caller sees the structure, its contacts only those who manage it;
- ``/admin/clock`` on deposit, routing and the archive's mover: the administrator only;
- faust's built-in pages (routing, archive mover) answer 404; every operation of their OpenAPI documents is
  served.
"""

import asyncio

import pytest
import pytest_asyncio
from openapi_spec_validator import validate

from tests.support.actors import Actor
from tests.support.circuit import deposited, problem, wait_status
from tests.support.services import http

SERVICES = [{"code": "COMPTA", "libelle": "Comptabilité"}, {"code": "TRAVAUX", "libelle": "Travaux"}]
OPERATIONS_DATA = {
    "notifications": ("notification_url", "/v1/dossiers/{}/notifications"),
    "echeances": ("routing_url", "/v1/dossiers/{}/echeances"),
    "activite": ("archive_url", "/v1/dossiers/{}/activite"),
}
FAUST_BUILT_IN = [
    "/",
    "/router/",
    "/table/",
    "/table/structures/",
    "/graph/",
    "/stats/",
    "/assignment/",
    "/performance/",
]


@pytest_asyncio.fixture(scope="module")
async def world(system, directory):
    """An A4 naming the MOA's service COMPTA, at the MOE; users of each kind."""
    fournisseur = await directory.structure("Acces Titulaire")
    moe = await directory.structure("Acces Maitrise Oeuvre")
    moa = await directory.structure(
        "Acces Commune", public=True, categorie="COLLECTIVITE_TERRITORIALE", presence_moa="AVEC_MOA", services=SERVICES
    )
    elsewhere = await directory.structure("Acces Sans Rapport")
    depositor = await directory.user((fournisseur["siret"], "MODIFICATION"), name="Acces Depositaire")
    people = {
        "fournisseur": depositor,
        "moa_compta": await directory.user((moa["siret"], "CONSULTATION", "COMPTA"), name="Acces Compta"),
        "moa_travaux": await directory.user((moa["siret"], "CONSULTATION", "TRAVAUX"), name="Acces Travaux"),
        "outsider": await directory.user((elsewhere["siret"], "MODIFICATION"), name="Acces Tiers"),
    }
    a4 = await deposited(
        depositor, "A4", fournisseur=fournisseur["siret"], moe=moe["siret"], moa=moa["siret"], code_service="COMPTA"
    )
    dossier = (await wait_status(depositor, a4, "MISE_A_DISPOSITION_MOE"))["dossier_id"]
    return {"dossier": dossier, "moa": moa, "people": people, "admin": system.admin_token}


async def until_ok(url: str, path: str, token: str, what: str, timeout: float = 30.0):
    """The answer once it is a 200: the status event may still be on its way to the service."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with http(url, token) as client:
        while True:
            response = await client.get(path)
            if response.status_code == 200:
                return response
            assert asyncio.get_running_loop().time() < deadline, f"{what} never answered 200: {response.text}"
            await asyncio.sleep(0.2)


@pytest.mark.parametrize("name", list(OPERATIONS_DATA))
async def test_a_dossiers_operations_data_goes_to_its_parties_and_the_administrator(system, world, name):
    attribute, template = OPERATIONS_DATA[name]
    url, path, people = getattr(system, attribute), template.format(world["dossier"]), world["people"]
    shown = await until_ok(url, path, people["fournisseur"].token, f"{name} to the fournisseur")
    assert world["dossier"] in shown.text

    def token_of(who: str) -> str:
        return world["admin"] if who == "admin" else people[who].token

    for who in ("admin", "fournisseur", "moa_compta"):  # a party; its service's pièce; operations
        async with http(url, token_of(who)) as client:
            assert (await client.get(path)).status_code == 200, (name, who)
    for who in ("outsider", "moa_travaux"):  # not a party; a service that is not the pièce's
        async with http(url, token_of(who)) as client:
            assert problem(await client.get(path)) == (404, "dossier_inconnu"), (name, who)
    async with http(url) as anonymous:
        assert problem(await anonymous.get(path)) == (401, "authentification_requise")
    async with http(url, "tvx_not_a_token") as unknown:
        assert problem(await unknown.get(path)) == (401, "jeton_invalide")
    async with http(url, world["admin"]) as admin:  # an unknown dossier: the same answer as a hidden one
        assert problem(await admin.get(template.format("00000000-0000-0000-0000-000000000000"))) == (
            404,
            "dossier_inconnu",
        )


async def test_routings_structure_view_shows_contacts_only_to_those_who_manage_the_structure(system, world):
    siret, people = world["moa"]["siret"], world["people"]
    path = f"/v1/structures/{siret}"
    deadline = asyncio.get_running_loop().time() + 30
    async with http(system.routing_url, world["admin"]) as admin:
        while True:  # the users' habilitations reach routing as the structure's contacts
            seen = (await admin.get(path)).json()
            if {people["moa_compta"].email, people["moa_travaux"].email} <= {
                c["email"] for c in seen.get("contacts", [])
            }:
                break
            assert asyncio.get_running_loop().time() < deadline, f"routing never showed the contacts: {seen}"
            await asyncio.sleep(0.2)
    for who in ("moa_compta", "outsider"):  # an agent of the structure does not manage it; nor does a stranger
        async with http(system.routing_url, people[who].token) as client:
            shown = await client.get(path)
            assert shown.status_code == 200 and shown.json()["contacts"] == [], who
            assert {k: v for k, v in shown.json().items() if k != "contacts"} == {
                k: v for k, v in seen.items() if k != "contacts"
            }
    async with http(system.routing_url) as anonymous:
        assert problem(await anonymous.get(path)) == (401, "authentification_requise")
    async with http(system.routing_url, people["outsider"].token) as client:
        assert problem(await client.get("/v1/structures/00000000000000")) == (404, "structure_inconnue")


async def test_the_business_clock_answers_the_administrator_only(system, world):
    outsider: Actor = world["people"]["outsider"]
    for url in (system.deposit_url, system.routing_url, system.archive_mover_url):
        async with http(url) as anonymous:
            assert problem(await anonymous.get("/admin/clock")) == (401, "authentification_requise"), url
            refused = await anonymous.post("/admin/clock", json={"offset_seconds": 86400})
            assert problem(refused) == (401, "authentification_requise"), url
        async with http(url, outsider.token) as client:
            assert problem(await client.get("/admin/clock")) == (403, "acces_refuse"), url
            refused = await client.post("/admin/clock", json={"offset_seconds": 86400})
            assert problem(refused) == (403, "acces_refuse"), url
        async with http(url, world["admin"]) as admin:
            now = await admin.get("/admin/clock")
            assert now.status_code == 200 and now.json()["offset_seconds"] == 0, url  # nobody moved it


@pytest.mark.parametrize("attribute", ["routing_url", "archive_mover_url"])
async def test_faust_built_in_pages_are_off(system, attribute):
    async with http(getattr(system, attribute)) as client:
        for path in FAUST_BUILT_IN:
            assert problem(await client.get(path)) == (404, "ressource_introuvable"), path


@pytest.mark.parametrize("attribute", ["routing_url", "archive_mover_url"])
async def test_every_operation_of_a_faust_services_document_is_served(system, attribute):
    """Called without a token (nothing changes): a user's operation answers its documented 401, an
    operations endpoint its 200; an operation missing from the server would answer 404."""
    async with http(getattr(system, attribute)) as client:
        spec = (await client.get("/openapi.json")).json()
        validate(spec)
        assert ("/admin/clock" in spec["paths"]) is (system.env["CLOCK_CONTROL"] == "true")
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                answer = await client.request(method, path.replace("{", "").replace("}", ""))
                assert str(answer.status_code) in operation["responses"], (method, path, answer.text)
                expected = 401 if operation.get("security") else 200
                assert answer.status_code == expected, (method, path, answer.text)
