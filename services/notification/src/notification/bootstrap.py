"""Composition root of the notification service: the consumers queue deliveries, the sender sends them."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from contracts import topics
from messaging.runtime import Runtime
from notification.adapters.deliveries import DeliveryLog
from notification.adapters.directory import StructureView
from notification.adapters.mailer import Mailer
from notification.adapters.pieces import PieceView
from notification.settings import NotificationSettings
from readmodel.principals import Principals

if TYPE_CHECKING:
    from notification.sender import Sender


@dataclass
class NotificationContext:
    settings: NotificationSettings
    runtime: Runtime
    structures: StructureView
    deliveries: DeliveryLog
    mailer: Mailer
    pieces: PieceView
    principals: Principals  # who calls the API (deposit's GET /v1/moi)
    sender: "Sender | None" = None  # drains the delivery queue (None in the replay command)

    async def checks(self) -> dict[str, bool]:
        return await self.runtime.checks()


async def open_context(settings: NotificationSettings, name: str = "notification") -> NotificationContext:
    """The stores and the mailer, on an opened runtime; no consumer, no sender (the replay uses it as is)."""
    runtime = await Runtime.open(name, settings, settings.notification_database)
    database = runtime.database
    return NotificationContext(
        settings,
        runtime,
        StructureView(database),
        DeliveryLog(runtime.client, database),
        Mailer(settings),
        PieceView(database),
        Principals(settings.deposit_public_url, settings.auth_cache_seconds),
    )


async def start(settings: NotificationSettings) -> NotificationContext:
    from notification.handlers.registry import handlers
    from notification.sender import Sender

    ctx = await open_context(settings)
    await ctx.deliveries.ensure_indexes()
    await ctx.pieces.ensure_indexes()
    ctx.sender = Sender(ctx)
    ctx.sender.start()
    await ctx.runtime.consume(
        [topics.STRUCTURES, topics.PIECES_STATUS, topics.DEADLINES, topics.DOSSIERS_REMOVED, topics.ACCOUNT_CODES],
        handlers(ctx),
    )
    return ctx


async def stop(ctx: NotificationContext) -> None:
    if ctx.sender is not None:
        await ctx.sender.stop()
    await ctx.runtime.close()
    await ctx.mailer.close()
    await ctx.principals.close()
