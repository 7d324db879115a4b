"""Composition root of the notification service: the consumers queue deliveries, the sender sends them."""

from contracts import topics
from messaging.runtime import Runtime
from messaging.unit_of_work import MongoUnitOfWork
from notification.adapters.dead_letters import KafkaDeadLetters
from notification.adapters.deliveries import DeliveryLog
from notification.adapters.directory import StructureView
from notification.adapters.mailer import Mailer
from notification.adapters.pieces import PieceView
from notification.context import NotificationContext, NotificationTx
from notification.handlers.registry import handlers
from notification.sender import Sender
from notification.settings import NotificationSettings
from readmodel.principals import Principals


async def open_context(
    settings: NotificationSettings, name: str = "notification", indexes: bool = False
) -> NotificationContext:
    """The stores and the mailer, on an opened runtime; no consumer, no sender (the replay uses it as is)."""
    runtime = await Runtime.open(name, settings, settings.notification_database)
    database = runtime.database
    deliveries, pieces = DeliveryLog(database), PieceView(database)
    if indexes:
        await deliveries.ensure_indexes()
        await pieces.ensure_indexes()
    # No event-id records and no outbox: queueing is idempotent per (event, recipient) by itself, and
    # this service announces nothing.
    uow = MongoUnitOfWork(
        runtime.client, None, None, lambda session: NotificationTx(deliveries.within(session), pieces.within(session))
    )
    return NotificationContext(
        settings,
        StructureView(database),
        deliveries,
        pieces,
        Mailer(settings),
        KafkaDeadLetters(runtime.producer),
        uow,
        Principals(settings.deposit_public_url, settings.auth_cache_seconds),
        runtime,
    )


async def start(settings: NotificationSettings) -> NotificationContext:
    ctx = await open_context(settings, indexes=True)
    assert ctx.runtime is not None
    sender = Sender(ctx)
    ctx.sender = sender
    sender.start()
    await ctx.runtime.consume(
        [topics.STRUCTURES, topics.PIECES_STATUS, topics.DEADLINES, topics.DOSSIERS_REMOVED, topics.ACCOUNT_CODES],
        handlers(ctx),
    )
    return ctx


async def stop(ctx: NotificationContext) -> None:
    if ctx.sender is not None:
        await ctx.sender.stop()
    if ctx.runtime is not None:
        await ctx.runtime.close()
    await ctx.mailer.close()
    await ctx.principals.close()
