"""People and structures of the directory, created through the API as an administrator would."""

import uuid
from dataclasses import dataclass, field

import httpx

from tests.support import data


@dataclass
class Actor:
    email: str
    token: str
    client: httpx.AsyncClient
    sirets: list[str] = field(default_factory=list)


class Directory:
    """Creates structures, users, habilitations and tokens; closes the users' clients at the end."""

    def __init__(self, base_url: str, admin_token: str):
        self.base_url = base_url
        self.admin = httpx.AsyncClient(base_url=base_url, timeout=30, headers=_auth(admin_token))
        self._clients: list[httpx.AsyncClient] = [self.admin]

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    async def structure(self, name: str, public: bool = False, **params) -> dict:
        body = {**data.structure(name, public), **params}
        response = await self.admin.put(f"/v1/structures/{body['siret']}", json=body)
        assert response.status_code == 200, response.text
        return body

    async def user(
        self, *habilitations: tuple[str, str] | tuple[str, str, str | None], name: str = "Utilisateur"
    ) -> Actor:
        """A user with the given (siret, profil[, service]) habilitations and a fresh token."""
        email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.fr"
        response = await self.admin.put(f"/v1/utilisateurs/{email}", json={"nom": name})
        assert response.status_code == 200, response.text
        for siret, profil, *service in habilitations:
            body = {"profil": profil, "service": service[0] if service else None}
            response = await self.admin.put(f"/v1/structures/{siret}/habilitations/{email}", json=body)
            assert response.status_code == 200, response.text
        response = await self.admin.post(f"/v1/utilisateurs/{email}/jetons", json={"libelle": "tests"})
        assert response.status_code == 201, response.text
        token = response.json()["jeton"]
        client = httpx.AsyncClient(base_url=self.base_url, timeout=30, headers=_auth(token))
        self._clients.append(client)
        return Actor(email, token, client, [h[0] for h in habilitations])

    def anonymous(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.base_url, timeout=30)
        self._clients.append(client)
        return client


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
