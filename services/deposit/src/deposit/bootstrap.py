"""Composition root: builds the real adapters from settings and starts/stops the background work
(outbox relay, routing-decision consumer)."""

from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from contracts import topics
from deposit.adapters.directory import DirectoryStore
from deposit.adapters.documents import DocumentStore
from deposit.adapters.idempotency import IdempotencyStore
from deposit.adapters.pieces import PieceStore
from deposit.settings import DepositSettings
from messaging.consumer import EventConsumer
from messaging.kafka import ensure_topics, make_producer
from messaging.mongo import make_client, ping
from messaging.outbox import Outbox, OutboxRelay
from messaging.processed import ProcessedEvents

SOURCE = "/travaux/deposit"


@dataclass
class DepositContext:
    settings: DepositSettings
    client: AsyncMongoClient
    database: AsyncDatabase
    producer: AIOKafkaProducer
    pieces: PieceStore
    documents: DocumentStore
    directory: DirectoryStore
    idempotency: IdempotencyStore
    outbox: Outbox
    processed: ProcessedEvents
    relay: OutboxRelay
    consumers: list[EventConsumer] = field(default_factory=list)

    async def ready(self) -> bool:
        return (
            await ping(self.database)
            and all(c.ready for c in self.consumers)
            and (self.relay.running or not self.settings.outbox_relay_enabled)
        )


def build(settings: DepositSettings) -> DepositContext:
    """Wire the adapters; call from a running event loop (the Kafka client binds to it)."""
    client = make_client(settings.mongodb_uri)
    database = client[settings.deposit_database]
    producer = make_producer(settings.kafka_bootstrap_servers, "deposit")
    outbox = Outbox(database)
    return DepositContext(
        settings=settings,
        client=client,
        database=database,
        producer=producer,
        pieces=PieceStore(database),
        documents=DocumentStore(database),
        directory=DirectoryStore(database),
        idempotency=IdempotencyStore(database),
        outbox=outbox,
        processed=ProcessedEvents(database),
        relay=OutboxRelay(outbox, producer, lease_seconds=settings.outbox_lease_seconds),
    )


async def start(settings: DepositSettings) -> DepositContext:
    from deposit.handlers.registry import handlers  # late: handlers import this module's context type

    ctx = build(settings)
    await ensure_topics(settings.kafka_bootstrap_servers, settings.topic_partitions, settings.topic_replication_factor)
    for store in (ctx.pieces, ctx.documents, ctx.idempotency, ctx.outbox, ctx.processed):
        await store.ensure_indexes()
    await ctx.producer.start()
    if settings.outbox_relay_enabled:
        ctx.relay.start()
    consumer = EventConsumer(
        name="deposit",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id="deposit",
        instance_id=settings.instance_id,
        topics_=[topics.PIECES_ROUTED],
        registry=handlers(ctx),
        producer=ctx.producer,
    )
    ctx.consumers.append(consumer)
    await consumer.start()
    return ctx


async def stop(ctx: DepositContext) -> None:
    for consumer in ctx.consumers:
        await consumer.stop()
    await ctx.relay.stop()
    await ctx.producer.stop()
    await ctx.client.close()
