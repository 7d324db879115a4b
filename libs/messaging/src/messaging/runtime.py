"""What every service process holds: its database, its Kafka producer, its consumers and its view of the
broker.

``Runtime.open`` watches the broker (creating the topics if missing, now and whenever the broker lost
them), connects, and starts the producer; ``consume`` subscribes a consumer group with a handler
registry; ``checks`` says what is usable now; ``close`` stops everything in reverse.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from messaging.broker import BrokerWatch
from messaging.consumer import EventConsumer, Handler
from messaging.kafka import all_topic_names, make_producer
from messaging.mongo import make_client, ping
from messaging.settings import CommonSettings


@dataclass
class Runtime:
    name: str
    settings: CommonSettings
    client: AsyncMongoClient
    database: AsyncDatabase
    producer: AIOKafkaProducer
    broker: BrokerWatch
    consumers: list[EventConsumer] = field(default_factory=list)

    @classmethod
    async def open(cls, name: str, settings: CommonSettings, database: str) -> "Runtime":
        broker = BrokerWatch(settings, name, all_topic_names())
        await broker.start()
        client = make_client(settings.mongodb_uri)
        producer = make_producer(settings.kafka_bootstrap_servers, name)
        await producer.start()
        return cls(name, settings, client, client[database], producer, broker)

    async def consume(self, topics_: list[str], registry: Mapping[type[BaseModel], Handler]) -> EventConsumer:
        """Join this service's consumer group on ``topics_``; ``registry`` says what handles what."""
        consumer = EventConsumer(
            name=self.name,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=self.name,
            group_instance_id=self.settings.group_instance_id(self.name),
            topics_=topics_,
            registry=registry,
            producer=self.producer,
            session_timeout_seconds=self.settings.kafka_session_timeout_seconds,
        )
        self.consumers.append(consumer)
        self.broker.on_topic_lost(consumer.topic_lost)
        await consumer.start()
        return consumer

    async def checks(self) -> dict[str, bool]:
        """What readiness reports: the broker answers, the database answers, every consumer is in its group."""
        return {
            "broker": self.broker.reachable,
            "database": await ping(self.database),
            "consumers": all(c.ready for c in self.consumers),
        }

    async def close(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        await self.producer.stop()
        await self.broker.stop()
        await self.client.close()
