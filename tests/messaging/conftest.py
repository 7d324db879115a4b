"""The real broker for the messaging tests: the contract's topics, created once, and a producer."""

import uuid

import pytest
import pytest_asyncio

from messaging.kafka import ensure_topics, make_producer


@pytest_asyncio.fixture(scope="session")
async def bootstrap(infrastructure) -> str:
    await ensure_topics(infrastructure.kafka)
    return infrastructure.kafka


@pytest_asyncio.fixture(scope="session")
async def producer(bootstrap):
    started = make_producer(bootstrap, "messaging-tests")
    await started.start()
    yield started
    await started.stop()


@pytest.fixture
def dossier() -> str:
    """A key of this test's own: the records of other tests never carry it."""
    return f"D-{uuid.uuid4().hex[:10]}"
