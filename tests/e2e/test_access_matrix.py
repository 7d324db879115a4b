"""The authorization matrix, generated from every service's OpenAPI document: every operation × every kind
of caller, each cell with its expected outcome. An operation that a service documents and this table has
no rule for fails the test (and so does a rule for an operation no longer documented).

Outcomes: ``ok`` (the caller got past authentication and authorization: a 2xx, or a business answer such
as 409 ``action_impossible`` or 422), ``401``, ``403``, and ``404`` — hidden: a pièce, dossier or account
the caller may not know exists answers as if it did not (``HIDING_CODES``). A 5xx fails every cell.
For the list operations, a caller who may not see the world's dossier must not find it in the list."""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio

from tests.support import data
from tests.support.archive import archived_a4
from tests.support.circuit import deposited, wait_status

OK, UNAUTHENTICATED, FORBIDDEN, HIDDEN = "ok", "401", "403", "404"
HIDING_CODES = {"piece_inconnue", "dossier_inconnu", "utilisateur_inconnu"}

# The kinds of caller (docs/authority.md, last paragraph): four that are nobody, then accounts.
NOBODY = ["anonyme", "malforme", "inconnu", "revoque"]
ACCOUNTS = [
    "autre_partie",  # MODIFICATION on a structure party to nothing here
    "consultation",  # CONSULTATION on every party of the dossier
    "service",  # MODIFICATION on the service financier, limited to a service the pièce does not name
    "gestionnaire_autre",  # gestionnaire of a structure party to nothing here
    "technique",  # a technical account (API client) of the fournisseur
    "admin",  # the platform administrator
    "partie",  # the fournisseur's agent (MODIFICATION), a person
    "gestionnaire",  # the fournisseur's gestionnaire (MODIFICATION)
]
CALLERS = NOBODY + ACCOUNTS
READERS = ["consultation", "technique", "partie", "gestionnaire"]  # see the dossier's pièces
STRANGERS = ["autre_partie", "service", "gestionnaire_autre", "admin"]  # do not (the administrator reads no pièce)


def rule(ok=(), forbidden=(), hidden=(), nobody: str = UNAUTHENTICATED) -> dict[str, str]:
    expected = {k: nobody for k in NOBODY}
    for outcome, kinds in ((OK, ok), (FORBIDDEN, forbidden), (HIDDEN, hidden)):
        expected.update(dict.fromkeys(kinds, outcome))
    assert set(expected) == set(CALLERS), f"a rule names every caller: {set(CALLERS) - set(expected)} missing"
    return expected


def others(*kinds: str) -> list[str]:
    return [k for k in ACCOUNTS if k not in kinds]


PUBLIC = rule(ok=ACCOUNTS, nobody=OK)
ANY_ACCOUNT = rule(ok=ACCOUNTS)
READ = rule(ok=READERS, hidden=STRANGERS)
OPERATIONS_DATA = rule(ok=[*READERS, "admin"], hidden=others(*READERS, "admin"))  # mails, deadlines, activity
ACT = READ  # the A4 waits for the MOE: for its readers the state machine answers (409 action_impossible)
ACT_OF_THE_MOE = rule(forbidden=READERS, hidden=STRANGERS)  # refuser: the MOE's action, 403 action_reservee
DEPOSIT = rule(ok=["technique", "partie", "gestionnaire"], forbidden=others("technique", "partie", "gestionnaire"))
MANAGERS = rule(ok=["admin", "gestionnaire"], forbidden=others("admin", "gestionnaire"))
ADMIN = rule(ok=["admin"], forbidden=others("admin"))
ACCOUNT_OF_PARTIE = rule(ok=["partie", "admin", "gestionnaire"], hidden=others("partie", "admin", "gestionnaire"))
TOKENS_OF_PARTIE = rule(
    ok=["partie"], forbidden=["admin", "gestionnaire"], hidden=others("partie", "admin", "gestionnaire")
)
AUDIT = rule(
    ok=["admin", "gestionnaire", "gestionnaire_autre"], forbidden=others("admin", "gestionnaire", "gestionnaire_autre")
)
JOIN = rule(ok=others("admin", "technique"), forbidden=["admin", "technique"])


@dataclass
class World:
    fournisseur: str
    structure: dict
    a4: str
    numero: str
    dossier: str
    archived_piece: str
    archived_dossier: str
    partie: str  # the fournisseur's agent's e-mail
    cible: str  # an account attached to the fournisseur, whose habilitation the matrix removes
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


def _a4(world: World) -> list:
    return data.multipart(data.piece(world.fournisseur, world.structure["moe"], world.structure["moa"]))


Request = Callable[[World], dict[str, Any]]


def json_body(value: Any) -> Request:
    return lambda world: {"json": value(world) if callable(value) else value}


ATTACHMENT = [("attachments", ("annexe.pdf", data.PDF, "application/pdf"))]
RANDOM = "00000000-0000-4000-8000-000000000000"

# (service, method, path) → (expected outcome per caller, path parameters, request)
RULES: dict[tuple[str, str, str], tuple[dict[str, str], dict[str, Any], Request | None]] = {}


def add(service: str, method: str, path: str, expected: dict[str, str], request: Request | None = None, **params):
    RULES[(service, method, path)] = (expected, params, request)


for service in ("deposit", "routing", "notification", "archive", "archive-mover"):
    for path in ("/health/live", "/health/ready", "/metrics"):
        add(service, "GET", path, PUBLIC)  # open unless OPS_TOKEN is set (tests/test_service_access.py)
for service in ("deposit", "routing", "archive-mover"):  # the business clocks (CLOCK_CONTROL, tests only)
    add(service, "GET", "/admin/clock", ADMIN)
    add(service, "POST", "/admin/clock", ADMIN, json_body({"offset_seconds": 0}))

# ---- deposit: pièces and dossiers
add("deposit", "POST", "/v1/pieces", DEPOSIT, lambda w: {"files": _a4(w)})
add("deposit", "GET", "/v1/pieces", ANY_ACCOUNT)
for path in ("", "/historique", "/document", "/pieces-jointes/{index}"):
    add("deposit", "GET", "/v1/pieces/{piece_id}" + path, READ)
for action, body in [
    ("suspendre", {"motif": "pièces manquantes"}),
    ("rejeter", {"motif": "inexploitable"}),
    ("refuser_validation", {"motif": "non"}),
    ("traiter", {"statut": "SERVICE_FAIT"}),
    ("valider", {}),
    ("recycler", {"code_service": "COMPTA"}),
]:
    add("deposit", "POST", f"/v1/pieces/{{piece_id}}/actions/{action}", ACT, json_body(body))
add("deposit", "POST", "/v1/pieces/{piece_id}/actions/refuser", ACT_OF_THE_MOE, json_body({"motif": "MAUVAISE_MOE"}))
add("deposit", "POST", "/v1/pieces/{piece_id}/actions/completer", ACT, lambda w: {"files": ATTACHMENT})
add("deposit", "GET", "/v1/dossiers/{dossier_id}", READ)
add("deposit", "GET", "/v1/dossiers/{dossier_id}/export", READ)
for path in ("/v1/synthese", "/v1/tableau-de-bord", "/v1/liste-fiscale"):
    add("deposit", "GET", path, ANY_ACCOUNT)
# ---- deposit: the directory
add("deposit", "GET", "/v1/structures", ANY_ACCOUNT)
add("deposit", "GET", "/v1/structures/{siret}", ANY_ACCOUNT)
add("deposit", "PUT", "/v1/structures/{siret}", MANAGERS, json_body(lambda w: w.structure["body"]))
add("deposit", "GET", "/v1/structures/{siret}/habilitations", MANAGERS)
add(
    "deposit",
    "PUT",
    "/v1/structures/{siret}/habilitations/{email}",
    MANAGERS,
    json_body({"profil": "MODIFICATION"}),
    email="partie",
)
add("deposit", "DELETE", "/v1/structures/{siret}/habilitations/{email}", MANAGERS, email="cible")
add(
    "deposit",
    "POST",
    "/v1/structures/{siret}/invitations",
    MANAGERS,
    json_body(
        lambda w: {"email": f"invite.{uuid.uuid4().hex[:8]}@example.fr", "nom": "Invité", "profil": "CONSULTATION"}
    ),
)
add("deposit", "GET", "/v1/structures/{siret}/invitations", MANAGERS)
add("deposit", "DELETE", "/v1/structures/{siret}/invitations/{invitation_id}", MANAGERS)
add("deposit", "POST", "/v1/structures/{siret}/demandes", JOIN, json_body({"profil": "CONSULTATION"}))
add("deposit", "GET", "/v1/structures/{siret}/demandes", MANAGERS)
add("deposit", "POST", "/v1/structures/{siret}/demandes/{demande_id}/approuver", MANAGERS, json_body({}))
add("deposit", "POST", "/v1/structures/{siret}/demandes/{demande_id}/refuser", MANAGERS)
add("deposit", "POST", "/v1/structures/{siret}/comptes-techniques", MANAGERS, json_body({"libelle": "ERP"}))
add("deposit", "GET", "/v1/structures/{siret}/comptes-techniques", MANAGERS)
add("deposit", "POST", "/v1/comptes/code", PUBLIC, json_body({"email": "matrice@example.fr"}))
add("deposit", "POST", "/v1/comptes/activation", PUBLIC, json_body({"code": "code-inconnu-de-la-matrice"}))
add("deposit", "GET", "/v1/moi", ANY_ACCOUNT)
add("deposit", "GET", "/v1/moi/invitations", ANY_ACCOUNT)
add("deposit", "GET", "/v1/moi/demandes", ANY_ACCOUNT)
add("deposit", "POST", "/v1/moi/invitations/{invitation_id}/accepter", ANY_ACCOUNT)
add("deposit", "POST", "/v1/moi/invitations/{invitation_id}/refuser", ANY_ACCOUNT)
add("deposit", "GET", "/v1/utilisateurs/{email}", ACCOUNT_OF_PARTIE, email="partie")
add("deposit", "PATCH", "/v1/utilisateurs/{email}", ACCOUNT_OF_PARTIE, json_body({}), email="partie")
add("deposit", "POST", "/v1/utilisateurs/{email}/jetons", TOKENS_OF_PARTIE, json_body({"libelle": "m"}), email="partie")
add("deposit", "GET", "/v1/utilisateurs/{email}/jetons", TOKENS_OF_PARTIE, email="partie")
add("deposit", "DELETE", "/v1/utilisateurs/{email}/jetons/{jeton_id}", TOKENS_OF_PARTIE, email="partie")
add("deposit", "GET", "/v1/audit", AUDIT)
add("deposit", "POST", "/admin/annuaire/publication", ADMIN)
# ---- routing, notification: a dossier's operations data
add("routing", "GET", "/v1/structures/{siret}", ANY_ACCOUNT)
add("routing", "GET", "/v1/dossiers/{dossier_id}/echeances", OPERATIONS_DATA)
add("notification", "GET", "/v1/dossiers/{dossier_id}/notifications", OPERATIONS_DATA)
# ---- archive: the archived dossier's parties read it
add("archive", "POST", "/admin/archivage", ADMIN)
add("archive", "GET", "/v1/archives", ANY_ACCOUNT)
add("archive", "GET", "/v1/archives/dossiers/{dossier_id}", READ, dossier_id="archived_dossier")
for path in ("", "/document", "/pieces-jointes/{index}"):
    add("archive", "GET", "/v1/archives/pieces/{piece_id}" + path, READ, piece_id="archived_piece")
add("archive", "GET", "/v1/dossiers/{dossier_id}/activite", OPERATIONS_DATA)

LISTS = {  # list operations: the world's dossier must not leak to its strangers
    ("deposit", "GET", "/v1/pieces"),
    ("deposit", "GET", "/v1/synthese"),
    ("deposit", "GET", "/v1/tableau-de-bord"),
    ("deposit", "GET", "/v1/liste-fiscale"),
    ("archive", "GET", "/v1/archives"),
}


def outcome(response: httpx.Response) -> str:
    assert response.status_code < 500, f"server error {response.status_code}: {response.text[:300]}"
    if response.status_code == 401:
        return UNAUTHENTICATED
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404 and response.json().get("code") in HIDING_CODES:
        return HIDDEN
    return OK


@pytest_asyncio.fixture(scope="module")
async def world(system, directory) -> World:
    public = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
    f = await directory.structure("Matrice Titulaire")
    moe = await directory.structure("Matrice Moe")
    moa = await directory.structure("Matrice Commune", presence_moa="AVEC_MOA", **public)
    fin = await directory.structure(
        "Matrice Finances",
        presence_moa="SANS_MOA",
        services=[{"code": "COMPTA", "libelle": "Comptabilité"}, {"code": "TRAVAUX", "libelle": "Travaux"}],
        **public,
    )
    other = await directory.structure("Matrice Sans Rapport")
    parties = [f, moe, moa, fin]
    gestionnaire = await directory.user((f["siret"], "MODIFICATION"), name="Matrice Gestionnaire", gestionnaire=True)
    partie = await directory.user((f["siret"], "MODIFICATION"), name="Matrice Agent", inviter=gestionnaire.client)
    moe_agent = await directory.user((moe["siret"], "MODIFICATION"), name="Matrice Moe Agent")
    actors = {
        "partie": partie,
        "gestionnaire": gestionnaire,
        "consultation": await directory.user(*((s["siret"], "CONSULTATION") for s in parties), name="Matrice Lecteur"),
        "service": await directory.user((fin["siret"], "MODIFICATION", "COMPTA"), name="Matrice Compta"),
        "autre_partie": await directory.user((other["siret"], "MODIFICATION"), name="Matrice Tiers"),
        "gestionnaire_autre": await directory.user(
            (other["siret"], "MODIFICATION"), name="Matrice Gest Autre", gestionnaire=True
        ),
        "technique": await directory.technical(f["siret"], manager=gestionnaire.client),
    }
    cible = await directory.user((f["siret"], "CONSULTATION"), name="Matrice Cible")
    revoked = await directory.user((f["siret"], "MODIFICATION"), name="Matrice Revoque")
    mine = (await revoked.client.get(f"/v1/utilisateurs/{revoked.email}/jetons")).json()
    for token in mine:
        assert (
            await revoked.client.delete(f"/v1/utilisateurs/{revoked.email}/jetons/{token['jeton_id']}")
        ).status_code == 204

    a4_fields = {"fournisseur": f["siret"], "moe": moe["siret"], "moa": moa["siret"], "destinataire": fin["siret"]}
    numero = f"MATRICE-{uuid.uuid4().hex[:8]}"
    a4 = await deposited(
        partie,
        "A4",
        numero=numero,
        code_service="TRAVAUX",
        attachments=[("metre.pdf", data.PDF, "application/pdf")],
        **a4_fields,
    )
    piece = await wait_status(moe_agent, a4, "MISE_A_DISPOSITION_MOE")

    # An archived dossier of the same parties: built three years back, swept now.
    old, old_dossier = await archived_a4(
        system, partie, moe_agent, [("vieux.pdf", data.PDF, "application/pdf")], **a4_fields
    )

    world = World(
        fournisseur=f["siret"],
        structure={"body": f, "moe": moe["siret"], "moa": moa["siret"]},
        a4=a4,
        numero=numero,
        dossier=piece["dossier_id"],
        archived_piece=old,
        archived_dossier=old_dossier,
        partie=partie.email,
        cible=cible.email,
    )
    world.headers = {kind: {"Authorization": f"Bearer {actor.token}"} for kind, actor in actors.items()}
    world.headers.update(
        anonyme={},
        malforme={"Authorization": "Basic bWF0cmljZTpzZWNyZXQ="},
        inconnu={"Authorization": f"Bearer tvx_{uuid.uuid4().hex}"},
        revoque={"Authorization": f"Bearer {revoked.token}"},
        admin={"Authorization": f"Bearer {system.admin_token}"},
    )
    return world


def service_urls(system) -> dict[str, str]:
    return {
        "deposit": system.deposit_url,
        "routing": system.routing_url,
        "notification": system.notification_url,
        "archive": system.archive_url,
        "archive-mover": system.archive_mover_url,
    }


async def documented(system) -> set[tuple[str, str, str]]:
    found = set()
    async with httpx.AsyncClient(timeout=30) as client:
        for service, url in service_urls(system).items():
            spec = (await client.get(f"{url}/openapi.json")).raise_for_status().json()
            found |= {(service, m.upper(), p) for p, item in spec["paths"].items() for m in item}
    return found


def concrete(path: str, params: dict[str, str], world: World) -> str:
    values = {
        "piece_id": world.a4,
        "dossier_id": world.dossier,
        "siret": world.fournisseur,
        "index": "0",
        "invitation_id": RANDOM,
        "demande_id": RANDOM,
        "jeton_id": RANDOM,
    }
    values.update({name: getattr(world, attribute) for name, attribute in params.items()})
    return path.format(**values)


async def test_every_documented_operation_has_a_rule(system):
    operations = await documented(system)
    assert operations - RULES.keys() == set(), "operations without a rule in the matrix"
    assert RULES.keys() - operations == set(), "rules for operations no service documents"


async def test_every_operation_answers_every_caller_as_its_rule_says(system, world):
    urls, cells, wrong = service_urls(system), 0, []
    async with httpx.AsyncClient(timeout=60) as client:
        for (service, method, path), (expected, params, request) in sorted(RULES.items()):
            url = urls[service] + concrete(path, params, world)
            calls = [
                client.request(method, url, headers=world.headers[kind], **(request(world) if request else {}))
                for kind in CALLERS
            ]
            for kind, response in zip(CALLERS, await asyncio.gather(*calls), strict=True):
                cells += 1
                got = outcome(response)
                if got != expected[kind]:
                    wrong.append(f"{service} {method} {path} as {kind}: expected {expected[kind]}, got "
                                 f"{response.status_code} {response.text[:160]}")  # fmt: skip
                elif (service, method, path) in LISTS and expected["partie"] == OK and kind in STRANGERS:
                    for secret in (world.a4, world.numero, world.archived_piece):
                        if secret in response.text:
                            wrong.append(f"{service} {method} {path} shows {secret} to {kind}")
    print(f"\nauthorization matrix: {len(RULES)} operations × {len(CALLERS)} callers = {cells} cells")
    assert wrong == [], "\n".join(wrong)


async def test_the_internal_endpoints_refuse_every_user_token(system, world):
    async with httpx.AsyncClient(timeout=30) as client:
        for url in (
            f"{system.deposit_url}/internal/v1/dossiers/{world.dossier}",
            f"{system.notification_url}/internal/v1/dossiers/{world.dossier}/notifications",
        ):
            for kind in CALLERS:
                response = await client.get(url, headers=world.headers[kind])
                assert response.status_code == 401, (url, kind, response.text)
