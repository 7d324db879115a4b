"""Composition root of the notification service."""

from dataclasses import dataclass

from contracts import topics
from messaging.runtime import Runtime
from notification.adapters.deliveries import DeliveryLog
from notification.adapters.directory import StructureView
from notification.adapters.mailer import Mailer
from notification.settings import NotificationSettings


@dataclass
class NotificationContext:
    settings: NotificationSettings
    runtime: Runtime
    structures: StructureView
    deliveries: DeliveryLog
    mailer: Mailer

    async def ready(self) -> bool:
        return await self.runtime.ready()


async def start(settings: NotificationSettings) -> NotificationContext:
    from notification.handlers.registry import handlers

    runtime = await Runtime.open("notification", settings, settings.notification_database)
    database = runtime.database
    ctx = NotificationContext(settings, runtime, StructureView(database), DeliveryLog(database), Mailer(settings))
    await ctx.deliveries.ensure_indexes()
    await runtime.consume([topics.STRUCTURES, topics.PIECES_STATUS], handlers(ctx))
    return ctx


async def stop(ctx: NotificationContext) -> None:
    await ctx.runtime.close()
    await ctx.mailer.close()
