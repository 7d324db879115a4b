"""Composition root of the notification service."""

from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from contracts import topics
from messaging.consumer import EventConsumer
from messaging.kafka import ensure_topics, make_producer
from messaging.mongo import make_client, ping
from notification.adapters.deliveries import DeliveryLog
from notification.adapters.directory import StructureView
from notification.adapters.mailer import Mailer
from notification.settings import NotificationSettings


@dataclass
class NotificationContext:
    settings: NotificationSettings
    client: AsyncMongoClient
    database: AsyncDatabase
    producer: AIOKafkaProducer
    structures: StructureView
    deliveries: DeliveryLog
    mailer: Mailer
    consumers: list[EventConsumer] = field(default_factory=list)

    async def ready(self) -> bool:
        return await ping(self.database) and all(c.ready for c in self.consumers)


async def start(settings: NotificationSettings) -> NotificationContext:
    from notification.handlers.registry import handlers

    client = make_client(settings.mongodb_uri)
    database = client[settings.notification_database]
    ctx = NotificationContext(
        settings=settings,
        client=client,
        database=database,
        producer=make_producer(settings.kafka_bootstrap_servers, "notification"),
        structures=StructureView(database),
        deliveries=DeliveryLog(database),
        mailer=Mailer(settings),
    )
    await ensure_topics(settings.kafka_bootstrap_servers, settings.topic_partitions, settings.topic_replication_factor)
    await ctx.deliveries.ensure_indexes()
    await ctx.producer.start()
    consumer = EventConsumer(
        name="notification",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id="notification",
        instance_id=settings.instance_id,
        topics_=[topics.STRUCTURES, topics.PIECES_STATUS],
        registry=handlers(ctx),
        producer=ctx.producer,
    )
    ctx.consumers.append(consumer)
    await consumer.start()
    return ctx


async def stop(ctx: NotificationContext) -> None:
    for consumer in ctx.consumers:
        await consumer.stop()
    await ctx.mailer.close()
    await ctx.producer.stop()
    await ctx.client.close()
