import pytest_asyncio

from tests.support.actors import Directory
from tests.support.clock import BusinessClock


@pytest_asyncio.fixture(scope="session")
async def directory(system, infrastructure):
    """The directory, driven through the API with the bootstrap administrator's token."""
    made = Directory(system.deposit_url, system.env["DEPOSIT_ADMIN_TOKEN"], infrastructure.mail)
    yield made
    await made.close()


@pytest_asyncio.fixture(scope="session")
async def parties(directory):
    """A fournisseur, a MOE and a public MOA registered in the directory, as `make seed` would."""
    return {
        "fournisseur": await directory.structure("Entreprise Batisseurs"),
        "moe": await directory.structure("Cabinet Moe"),
        "moa": await directory.structure("Commune Exemple", public=True, presence_moa="AVEC_MOA"),
    }


@pytest_asyncio.fixture(scope="session")
async def deposit(directory, parties):
    """A client acting for all three parties (MODIFICATION on each)."""
    user = await directory.user(*((p["siret"], "MODIFICATION") for p in parties.values()), name="Agent Skeleton")
    return user.client


@pytest_asyncio.fixture
async def clock(system):
    """The business clock of deposit and routing; back to the real time after the test."""
    made = BusinessClock(system)
    yield made
    await made.close()
