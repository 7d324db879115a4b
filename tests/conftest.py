"""Session fixtures for the integration and end-to-end tests: real infrastructure, started once."""

import asyncio

import pytest
import pytest_asyncio

from contracts import topics
from tests.support import infra as infra_module
from tests.support.recorder import TopicRecorder
from tests.support.services import RunningServices, start_services, stop_services


def pytest_collection_modifyitems(config, items):
    """Tests that break the session's broker or database run last: they leave the system healthy, but
    the topics and consumer groups the others rely on (the recorder's) start over with them."""
    items.sort(key=lambda item: item.get_closest_marker("infrastructure_restart") is not None)


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
