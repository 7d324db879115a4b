"""People and structures of the directory, made through the API the way they are in real life
(docs/authority.md): the administrator creates structures and invites people; each person accepts with
the one-time code the invitation mail brought to their mailbox (read from the SMTP server), which gives
them their first token. Nobody mints a token for someone else."""

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import httpx

from deposit.mailbox import code_in
from tests.support import data
from tests.support.mail import MailCatcher


@dataclass
class Actor:
    email: str
    token: str
    client: httpx.AsyncClient
    sirets: list[str] = field(default_factory=list)


class Directory:
    """Creates structures and accounts; closes the actors' clients at the end."""

    def __init__(self, base_url: str, admin_token: str, mail: MailCatcher):
        self.base_url = base_url
        self.mail = mail
        self._clients: list[httpx.AsyncClient] = []
        self._redeemed: set[str] = set()
        self.admin = self._track(self.client(admin_token))

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=30, headers=_auth(token) if token else {})

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    def _track(self, client: httpx.AsyncClient) -> httpx.AsyncClient:
        self._clients.append(client)
        return client

    async def structure(self, name: str, public: bool = False, **params) -> dict:
        body = {**data.structure(name, public), **params}
        response = await self.admin.put(f"/v1/structures/{body['siret']}", json=body)
        assert response.status_code == 200, response.text
        return body

    async def stage(self, label: str) -> dict:
        """A fournisseur with an agent, a MOE and a MOA (public, AVEC_MOA) without users, all named ``label``."""
        fournisseur = await self.structure(f"Entreprise {label}")
        moe = await self.structure(f"Cabinet {label}")
        moa = await self.structure(f"Commune {label}", public=True, presence_moa="AVEC_MOA")
        agent = await self.user((fournisseur["siret"], "MODIFICATION"), name=f"Agent {label}")
        return {"fournisseur": fournisseur, "moe": moe, "moa": moa, "agent": agent}

    async def user(
        self,
        *habilitations: tuple[str, str] | tuple[str, str, str | None],
        name: str = "Utilisateur",
        gestionnaire: bool = False,
        inviter: httpx.AsyncClient | None = None,
    ) -> Actor:
        """A person invited with the given (siret, profil[, service]) habilitations, who accepted them all;
        ``inviter``: the gestionnaire's client that invites (default: the administrator)."""
        email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.fr"
        inviter = inviter or self.admin
        for siret, profil, *service in habilitations:
            body = {"email": email, "nom": name, "profil": profil, "gestionnaire": gestionnaire}
            body["service"] = service[0] if service else None
            response = await inviter.post(f"/v1/structures/{siret}/invitations", json=body)
            assert response.status_code == 201, response.text
        if not habilitations:
            response = await self.client().post("/v1/comptes/code", json={"email": email, "nom": name})
            assert response.status_code == 202, response.text
        actor = await self.sign_in(email)
        for invitation in (await actor.client.get("/v1/moi/invitations")).json():
            response = await actor.client.post(f"/v1/moi/invitations/{invitation['id']}/accepter")
            assert response.status_code == 200, response.text
        actor.sirets = [h[0] for h in habilitations]
        return actor

    async def sign_in(self, email: str, request: bool = False) -> Actor:
        """The person redeems the newest code mailed to them for a token (``request``: asks for a sign-in
        code first, and waits for that one)."""
        earlier = len(await self._codes(email)) if request else 0
        if request:
            response = await self.client().post("/v1/comptes/code", json={"email": email})
            assert response.status_code == 202, response.text
        code = await self.code_for(email, after=earlier)
        response = await self.client().post("/v1/comptes/activation", json={"code": code, "libelle": "tests"})
        assert response.status_code == 201, response.text
        token = response.json()["jeton"]
        return Actor(email, token, self._track(self.client(token)))

    async def _codes(self, email: str) -> list[str]:
        mails = await asyncio.to_thread(self.mail.messages)
        return [code for mail in mails if email in mail.to and (code := code_in(mail)) is not None]

    async def code_for(self, email: str, after: int = 0, timeout: float = 60.0) -> str:
        """The newest one-time code mailed to ``email``, once more than ``after`` arrived (fails after
        ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            codes = await self._codes(email)
            if len(codes) > after and codes[-1] not in self._redeemed:
                self._redeemed.add(codes[-1])
                return codes[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no new one-time code reached {email} within {timeout:.0f} s ({len(codes)} seen)")
            await asyncio.sleep(0.1)

    async def technical(self, siret: str, profil: str = "MODIFICATION", manager: httpx.AsyncClient | None = None):
        """A technical account of ``siret`` with a token its gestionnaire (default: the administrator) minted."""
        manager = manager or self.admin
        response = await manager.post(
            f"/v1/structures/{siret}/comptes-techniques", json={"libelle": "ERP", "profil": profil}
        )
        assert response.status_code == 201, response.text
        account = response.json()["identifiant"]
        response = await manager.post(f"/v1/utilisateurs/{account}/jetons", json={"libelle": "tests"})
        assert response.status_code == 201, response.text
        token = response.json()["jeton"]
        return Actor(account, token, self._track(self.client(token)), [siret])

    def anonymous(self) -> httpx.AsyncClient:
        return self._track(self.client())


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
