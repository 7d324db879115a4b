"""Routing's directory view on the real broker: it follows ``travaux.structures`` live, a new consumer
reading the topic anew (``refresh``) learns what the old one no longer fetched, and an unexpected error
never ends the loop that follows the topic."""

import pytest
from aiokafka import AIOKafkaClient, TopicPartition

from contracts import Structure, StructureUpserted, make_event, topics
from messaging.topic_ids import describe_topics
from routing.directory import DirectoryView
from tests.messaging.kafka_support import eventually
from tests.support import data


def announced(name: str) -> tuple[str, bytes]:
    siret = data.siret()
    structure = Structure(siret=siret, nom=name, email_contact=f"contact.{siret}@example.fr")
    return siret, make_event(StructureUpserted(structure=structure), source="/tests", subject=siret).to_bytes()


@pytest.fixture
async def view(bootstrap):
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        state = (await describe_topics(client, [topics.STRUCTURES]))[topics.STRUCTURES]
    finally:
        await client.close()
    assert state is not None, "the structures topic is missing"
    partitions = state.partitions
    started = DirectoryView(bootstrap, "directory-view-tests", lambda: partitions)
    await started.start()
    await eventually(started.loaded.is_set, "the view loaded the topic")
    yield started
    await started.stop()


async def publish(producer, name: str) -> str:
    siret, value = announced(name)
    await producer.send_and_wait(topics.STRUCTURES, key=siret.encode(), value=value)
    return siret


async def test_a_new_consumer_reading_anew_learns_what_a_consumer_past_the_end_never_fetches(view, producer):
    first = await publish(producer, "Suivie")
    await eventually(lambda: view(first) is not None, "the view learnt a structure published live")

    # A consumer whose positions are beyond what the topic holds (as after a broker that came back
    # empty) fetches nothing from the local broker, which answers such a fetch with no records.
    for partition in range(view.partitions()):
        view._consumer.seek(TopicPartition(topics.STRUCTURES, partition), 10**9)  # noqa: SLF001
    before = view.refreshed_at
    second = await publish(producer, "Perdue")
    view.refresh("test")
    await eventually(lambda: view(second) is not None, "the view, read anew, learnt the structure")
    assert view.refreshed_at > before and view(first) is not None and view.running


async def test_an_unexpected_error_starts_the_view_over_and_never_ends_it(view, producer, monkeypatch):
    apply, failures = view._apply, []  # noqa: SLF001

    def failing_once(key, value):
        if not failures:
            failures.append(key)
            raise RuntimeError("a bug met while applying a record")
        apply(key, value)

    monkeypatch.setattr(view, "_apply", failing_once)
    siret = await publish(producer, "Relue")
    await eventually(lambda: view(siret) is not None, "the view learnt the structure after the error")
    assert failures and view.running
