import pytest_asyncio

from tests.support import data
from tests.support.services import http


@pytest_asyncio.fixture(scope="session")
async def deposit(system):
    async with http(system.deposit_url) as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def parties(deposit):
    """A fournisseur, a MOE and a public MOA registered in the directory, as `make seed` would."""
    made = {
        "fournisseur": data.structure("Entreprise Batisseurs"),
        "moe": data.structure("Cabinet Moe"),
        "moa": data.structure("Commune Exemple", public=True),
    }
    for body in made.values():
        response = await deposit.put(f"/v1/structures/{body['siret']}", json=body)
        assert response.status_code == 200, response.text
    return made
