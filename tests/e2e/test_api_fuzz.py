"""Schemathesis against every service of the session, as a bounded and deterministic run: every
operation of each OpenAPI document, with the inputs the document allows and those it forbids; no 5xx,
every status, content type, schema and documented header as the document says, 405 with ``Allow``, 401
without a token, nothing the document forbids accepted. Prints the figures of each service.

Who calls: a gestionnaire of a fresh fournisseur (MODIFICATION) whose A4 waits for the MOE, so that the
fuzzer gets past authentication and reaches the handlers; the ids it may name are drawn half the time from
that world's. The administrator calls what only it may call and may call harmlessly (the business clocks
read, an archiving as of 1900: nothing is that stale). What would cut the fuzzer's own branch is pinned:
the account whose tokens, habilitation and name it changes is a technical account of its structure, never
its own person (a run once revoked its own token half-way).

``FUZZ_EXAMPLES`` (default 5) examples per operation and phase, ``FUZZ_SEED``: a longer local run is
``FUZZ_EXAMPLES=200 pytest tests/e2e/test_api_fuzz.py -s``."""

import asyncio
import os
from dataclasses import dataclass

import pytest
import pytest_asyncio

from messaging.openapi import documented_operations
from tests.support import data, fuzz
from tests.support.archive import archived_a4
from tests.support.circuit import deposited, wait_status
from tests.support.fuzz import Operation, Target
from tests.support.services import http

# Schemathesis' generation of some values warns so; hypothesis seeds that module itself for each example.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies:hypothesis.errors.HypothesisDeprecationWarning"
)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("FUZZ_SEED", "20261"))
SERVICES = ["deposit", "routing", "notification", "archive", "archive-mover"]


@dataclass
class World:
    token: str  # the gestionnaire's
    email: str
    siret: str
    technical: str  # a technical account of the same structure
    piece: str  # an A4 waiting for the MOE
    dossier: str
    archived_piece: str  # an A4 of the same parties, archived (410 on deposit's side)
    archived_dossier: str
    admin: str


@pytest_asyncio.fixture(scope="module")
async def world(system, directory) -> World:
    fournisseur = await directory.structure("Fuzz Fournisseur")
    moe = await directory.structure("Fuzz Moe")
    moa = await directory.structure("Fuzz Moa", public=True, presence_moa="AVEC_MOA")
    user = await directory.user((fournisseur["siret"], "MODIFICATION"), name="Fuzz Gestionnaire", gestionnaire=True)
    technical = await directory.technical(fournisseur["siret"], manager=user.client)
    parties = {"fournisseur": fournisseur["siret"], "moe": moe["siret"], "moa": moa["siret"]}
    attachments = [("annexe.pdf", data.PDF, "application/pdf")]
    piece = await deposited(user, "A4", attachments=attachments, **parties)
    dossier = (await wait_status(user, piece, "MISE_A_DISPOSITION_MOE"))["dossier_id"]
    # The same, built three years back and swept now: the archive's reads answer 200, deposit's 410.
    old, old_dossier = await archived_a4(system, user, user, attachments, **parties)
    return World(
        user.token,
        user.email,
        fournisseur["siret"],
        technical.email,
        piece,
        dossier,
        old,
        old_dossier,
        system.admin_token,
    )


def target(service: str, system, world: World) -> Target:
    url = {
        "deposit": system.deposit_url,
        "routing": system.routing_url,
        "notification": system.notification_url,
        "archive": system.archive_url,
        "archive-mover": system.archive_mover_url,
    }[service]
    drawn = {
        "path.piece_id": [world.piece, world.archived_piece],
        "path.dossier_id": [world.dossier, world.archived_dossier],
        "path.siret": [world.siret],
    }
    operations = {"GET /admin/clock": Operation(token=world.admin)}
    if service == "deposit":
        own = Operation(pinned={"path.email": world.technical})
        for label in (
            "PATCH /v1/utilisateurs/{email}",
            "POST /v1/utilisateurs/{email}/jetons",
            "GET /v1/utilisateurs/{email}/jetons",
            "DELETE /v1/utilisateurs/{email}/jetons/{jeton_id}",
            "PUT /v1/structures/{siret}/habilitations/{email}",
            "DELETE /v1/structures/{siret}/habilitations/{email}",
        ):
            operations[label] = own
    if service == "archive":
        operations["POST /admin/archivage"] = Operation(token=world.admin, pinned={"query.au": "1900-01-01"})
    return Target(service, url, world.token, drawn, operations)


@pytest.mark.parametrize("service", SERVICES)
async def test_schemathesis_finds_no_server_error_and_nothing_undocumented(service, system, world, capsys):
    fuzzed = target(service, system, world)
    figures = await asyncio.to_thread(fuzz.run, fuzzed, EXAMPLES, SEED)
    with capsys.disabled():
        print(f"\nschemathesis {figures.summary()}")

    async with http(fuzzed.url) as client:
        documented = {f"{m} {p}" for m, p in documented_operations((await client.get("/openapi.json")).json())}
    assert figures.operations == documented, f"untested: {sorted(documented - figures.operations)}"
    findings = "\n\n".join(str(f) for f in figures.findings.values())
    assert not figures.findings, f"{figures.summary()}\n\n{findings}"
    assert not figures.errors, "\n".join(figures.errors)
    assert figures.statuses[429] == 0, "the fuzzer was throttled: some requests never reached the handlers"
    unauthenticated = figures.operations - figures.authenticated
    assert not unauthenticated, f"only 401: {[(o, figures.by_operation.get(o)) for o in sorted(unauthenticated)]}"


# What schemathesis found: integers past what the database holds and a clock offset past what a date holds
# (each a 500 erreur_interne), 0 taken for false. Each is now refused as bad input, and changes nothing.
HUGE = "99999999999999999999"
FOUND = [
    ("deposit", "user", "GET", "/v1/pieces?page=144115188075855873&taille=500", None),  # skip beyond 2^63
    ("deposit", "user", "GET", "/v1/audit?page=144115188075855873", None),
    ("archive", "user", "GET", "/v1/archives?page=144115188075855873&taille=500", None),
    ("archive", "admin", "POST", f"/admin/archivage?au=1900-01-01&limite={HUGE}", None),  # a limit beyond 2^63
    ("deposit", "admin", "POST", "/admin/clock", {"offset_seconds": 1e300}),  # no date holds it
    ("deposit", "admin", "POST", "/admin/clock", {"offset_seconds": True}),
    ("deposit", "user", "PATCH", "/v1/utilisateurs/{technical}", {"active": 0}),
    ("deposit", "user", "POST", "/v1/structures/{siret}/invitations", {"email": "x@y.example", "nom": "X",
     "profil": "CONSULTATION", "gestionnaire": 0}),
]  # fmt: skip


@pytest.mark.parametrize(("service", "who", "method", "url", "body"), FOUND)
async def test_what_the_fuzzer_found_is_bad_input(service, who, method, url, body, system, world):
    base = system.deposit_url if service == "deposit" else system.archive_url
    url = url.format(technical=world.technical, siret=world.siret)
    async with http(base, world.admin if who == "admin" else world.token) as client:
        answer = await client.request(method, url, json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "champ_invalide", answer.text
        if url == "/admin/clock":
            assert (await client.get(url)).json()["offset_seconds"] == 0
