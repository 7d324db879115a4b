"""What every service process holds: its database, its Kafka producer and its consumers.

``Runtime.open`` creates the topics if missing, connects, and starts the producer; ``consume``
subscribes a consumer group with a handler registry; ``close`` stops everything in reverse.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from messaging.consumer import EventConsumer, Handler
from messaging.kafka import ensure_topics, make_producer
from messaging.mongo import make_client, ping
from messaging.settings import CommonSettings


@dataclass
class Runtime:
    name: str
    settings: CommonSettings
    client: AsyncMongoClient
    database: AsyncDatabase
    producer: AIOKafkaProducer
    consumers: list[EventConsumer] = field(default_factory=list)

    @classmethod
    async def open(cls, name: str, settings: CommonSettings, database: str) -> "Runtime":
        await ensure_topics(
            settings.kafka_bootstrap_servers, settings.topic_partitions, settings.topic_replication_factor
        )
        client = make_client(settings.mongodb_uri)
        producer = make_producer(settings.kafka_bootstrap_servers, name)
        await producer.start()
        return cls(name, settings, client, client[database], producer)

    async def consume(self, topics_: list[str], registry: Mapping[type[BaseModel], Handler]) -> EventConsumer:
        """Join this service's consumer group on ``topics_``; ``registry`` says what handles what."""
        consumer = EventConsumer(
            name=self.name,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=self.name,
            instance_id=self.settings.instance_id,
            topics_=topics_,
            registry=registry,
            producer=self.producer,
        )
        self.consumers.append(consumer)
        await consumer.start()
        return consumer

    async def ready(self) -> bool:
        return await ping(self.database) and all(c.ready for c in self.consumers)

    async def close(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        await self.producer.stop()
        await self.client.close()
