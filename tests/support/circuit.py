"""A cast of structures and their agents, and the steps of the works circuit over HTTP."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from contracts import PieceStatusChanged, topics
from tests.support import data
from tests.support.actors import Actor, Directory


@dataclass
class Cast:
    structures: dict[str, dict]  # fournisseur, sous_traitant, cotraitant, moe, moa, financier, moa_bis
    agents: dict[str, Actor]  # one MODIFICATION agent per structure
    lecteur: Actor  # CONSULTATION on every structure
    outsider: Actor  # MODIFICATION on a structure that is party to nothing

    def siret(self, name: str) -> str:
        return self.structures[name]["siret"]


async def make_cast(directory: Directory) -> Cast:
    """The structures and their people, created side by side (each person waits for a mailed code)."""
    public = {"publique": True, "categorie": "COLLECTIVITE_TERRITORIALE"}
    made = await asyncio.gather(
        directory.structure("Titulaire Travaux"),
        directory.structure("Sous Traitant"),
        directory.structure("Cotraitant"),
        directory.structure("Maitre Oeuvre"),
        directory.structure("Commune MOA", **public, presence_moa="EXCLUSIVEMENT_MOA"),
        directory.structure("Departement MOA", **public, presence_moa="AVEC_MOA"),
        directory.structure(
            "Commune Finances",
            **public,
            presence_moa="SANS_MOA",
            services=[{"code": "COMPTA", "libelle": "Comptabilité"}, {"code": "TRAVAUX", "libelle": "Travaux"}],
        ),
        directory.structure("Sans Rapport"),
    )
    names = ["fournisseur", "sous_traitant", "cotraitant", "moe", "moa", "moa_bis", "financier"]
    structures, elsewhere = dict(zip(names, made[:-1], strict=True)), made[-1]
    people = await asyncio.gather(
        *(directory.user((s["siret"], "MODIFICATION"), name=f"Agent {name}") for name, s in structures.items()),
        directory.user(*((s["siret"], "CONSULTATION") for s in structures.values()), name="Lecteur"),
        directory.user((elsewhere["siret"], "MODIFICATION"), name="Tiers"),
    )
    agents = dict(zip(names, people[: len(names)], strict=True))
    lecteur, outsider = people[len(names) :]
    return Cast(structures, agents, lecteur, outsider)


def piece_body(cadre: str, previous: str | None = None, **fields) -> dict:
    body = {
        "cadre": cadre,
        "numero": f"{cadre}-{uuid.uuid4().hex[:10]}",
        "date_piece": (date.today() - timedelta(days=1)).isoformat(),
        "montant_ht": "10000.00",
        "montant_tva": "2000.00",
        "montant_ttc": "12000.00",
    }
    if previous:
        body["piece_precedente_id"] = previous
    body.update({k: v for k, v in fields.items() if v is not None})
    return body


async def deposit(
    actor: Actor | httpx.AsyncClient, cadre: str, previous: str | None = None, **fields
) -> httpx.Response:
    client = actor.client if isinstance(actor, Actor) else actor
    attachments = fields.pop("attachments", ())
    return await client.post(
        "/v1/pieces", files=data.multipart(piece_body(cadre, previous, **fields), attachments=list(attachments))
    )


async def deposited(actor: Actor, cadre: str, previous: str | None = None, **fields) -> str:
    response = await deposit(actor, cadre, previous, **fields)
    assert response.status_code == 201, response.text
    return response.json()["piece_id"]


async def wait_status(client: Actor | httpx.AsyncClient, piece_id: str, statut: str, timeout: float = 30.0) -> dict:
    client = client.client if isinstance(client, Actor) else client
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        body = (await client.get(f"/v1/pieces/{piece_id}")).json()
        if body.get("statut") == statut:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"pièce {piece_id} is {body.get('statut')}, never reached {statut}: {body}")
        await asyncio.sleep(0.2)


async def act(actor: Actor | httpx.AsyncClient, piece_id: str, action: str, **body) -> httpx.Response:
    client = actor.client if isinstance(actor, Actor) else actor
    if action == "completer":
        files = [("attachments", a) for a in body.pop("attachments", ())]
        return await client.post(f"/v1/pieces/{piece_id}/actions/completer", files=files, data=body)
    return await client.post(f"/v1/pieces/{piece_id}/actions/{action}", json=body)


async def acted(actor: Actor, piece_id: str, action: str, **body) -> dict:
    response = await act(actor, piece_id, action, **body)
    assert response.status_code == 200, response.text
    return response.json()


def statuses(piece: dict) -> list[str]:
    return [h["statut"] for h in piece["historique"]]


async def published_statuses(recorder, piece_id: str, count: int, timeout: float = 30.0) -> list[str]:
    """The statuses the public topic announced for the pièce, in order (waits for ``count`` of them)."""
    found = await recorder.wait_for(topics.PIECES_STATUS, lambda r: r.is_about(piece_id), count, timeout)
    events = [r.event.data for r in found]
    assert all(isinstance(e, PieceStatusChanged) for e in events)
    return [e.statut.value for e in events]


async def deposited_once_open(actor, cadre: str, previous: str, timeout: float = 20.0, **fields) -> str:
    """Deposit ``cadre`` as soon as the deposit service has recorded the deadline that opens it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await deposit(actor, cadre, previous, **fields)
        if response.status_code == 201:
            return response.json()["piece_id"]
        assert problem(response) == (409, "delai_non_echu"), response.text
        assert asyncio.get_running_loop().time() < deadline, f"{cadre} never opened on {previous}"
        await asyncio.sleep(0.3)


def problem(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code, response.json()["code"]
