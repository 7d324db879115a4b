"""Session fixtures for the integration and end-to-end tests: real infrastructure, started once."""

import asyncio

import pytest
import pytest_asyncio

from contracts import topics
from tests.support import infra as infra_module
from tests.support.recorder import TopicRecorder
from tests.support.services import RunningServices, start_services, stop_services


@pytest.fixture(scope="session")
def infrastructure():
    found = infra_module.resolve()
    print(f"\ntest infrastructure: {found.kind} (kafka {found.kafka}, mongodb {found.mongodb_uri})")
    yield found
    found.close()


@pytest_asyncio.fixture(scope="session")
async def recorder(infrastructure):
    """Every event on the public and internal topics, as a downstream system subscribing would see them."""
    watched = [topics.PIECES_SUBMITTED, topics.PIECES_ROUTED, topics.PIECES_STATUS, topics.STRUCTURES, topics.DEADLINES]
    watched += [topics.DOSSIERS_ARCHIVED, topics.DOSSIERS_REMOVED, topics.ACCOUNT_CODES]
    watched += [topics.dead_letter(t) for t in watched]
    from messaging.kafka import ensure_topics

    await ensure_topics(infrastructure.kafka)
    rec = TopicRecorder(infrastructure.kafka, watched, group_id="tests-downstream")
    await rec.start()
    yield rec
    await rec.stop()


@pytest_asyncio.fixture(scope="session")
async def system(infrastructure, recorder) -> RunningServices:
    """The services as processes; ready means every consumer joined its group."""
    running = await asyncio.to_thread(start_services, infrastructure)
    await recorder.wait_assigned()
    yield running
    await asyncio.to_thread(stop_services)
