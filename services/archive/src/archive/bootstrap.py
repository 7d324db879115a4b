"""Composition root of the archive service."""

from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from archive.adapters.activity import ActivityLog
from archive.settings import ArchiveSettings
from contracts import topics
from messaging.consumer import EventConsumer
from messaging.kafka import ensure_topics, make_producer
from messaging.mongo import make_client, ping


@dataclass
class ArchiveContext:
    settings: ArchiveSettings
    client: AsyncMongoClient
    database: AsyncDatabase
    producer: AIOKafkaProducer
    activity: ActivityLog
    consumers: list[EventConsumer] = field(default_factory=list)

    async def ready(self) -> bool:
        return await ping(self.database) and all(c.ready for c in self.consumers)


async def start(settings: ArchiveSettings) -> ArchiveContext:
    from archive.handlers.registry import handlers

    client = make_client(settings.mongodb_uri)
    database = client[settings.archive_database]
    ctx = ArchiveContext(
        settings=settings,
        client=client,
        database=database,
        producer=make_producer(settings.kafka_bootstrap_servers, "archive"),
        activity=ActivityLog(database),
    )
    await ensure_topics(settings.kafka_bootstrap_servers, settings.topic_partitions, settings.topic_replication_factor)
    await ctx.activity.ensure_indexes()
    await ctx.producer.start()
    consumer = EventConsumer(
        name="archive",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id="archive",
        instance_id=settings.instance_id,
        topics_=[topics.PIECES_STATUS],
        registry=handlers(ctx),
        producer=ctx.producer,
    )
    ctx.consumers.append(consumer)
    await consumer.start()
    return ctx


async def stop(ctx: ArchiveContext) -> None:
    for consumer in ctx.consumers:
        await consumer.stop()
    await ctx.producer.stop()
    await ctx.client.close()
