"""Only the broker watch creates topics: a producer or a consumer naming a topic the broker lacks does not
create it (the local broker would, with 4 partitions and no compaction, and accept records for partitions
the topic does not have)."""

import uuid

import pytest
from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import UnknownTopicOrPartitionError

from messaging import no_auto_create
from messaging.topic_ids import describe_topics


async def described(bootstrap: str, name: str):
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        return (await describe_topics(client, [name]))[name]
    finally:
        await client.close()


async def test_a_producer_naming_a_missing_topic_waits_for_it_and_creates_nothing(bootstrap):
    assert no_auto_create.refused()  # importing messaging did it
    name = f"never-created-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    await producer.start()
    try:
        with pytest.raises(UnknownTopicOrPartitionError):  # after its request timeout
            await producer.send_and_wait(name, b"x", key=b"k")
    finally:
        await producer.stop()
    assert await described(bootstrap, name) is None


async def test_a_consumer_subscribing_to_a_missing_topic_creates_nothing(bootstrap):
    name = f"never-created-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"g-{name}")
    await consumer.start()
    consumer.subscribe([name])  # as the services' consumers and the tests' recorder do
    try:
        assert await consumer._client.force_metadata_update()  # noqa: SLF001 - it asks the broker about the topic
    finally:
        await consumer.stop()
    assert await described(bootstrap, name) is None
