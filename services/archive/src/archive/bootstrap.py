"""Composition root of the archive service."""

from dataclasses import dataclass

from archive.adapters.activity import ActivityLog
from archive.settings import ArchiveSettings
from contracts import topics
from messaging.runtime import Runtime


@dataclass
class ArchiveContext:
    runtime: Runtime
    activity: ActivityLog

    async def ready(self) -> bool:
        return await self.runtime.ready()


async def start(settings: ArchiveSettings) -> ArchiveContext:
    from archive.handlers.registry import handlers

    runtime = await Runtime.open("archive", settings, settings.archive_database)
    ctx = ArchiveContext(runtime, ActivityLog(runtime.database))
    await ctx.activity.ensure_indexes()
    await runtime.consume([topics.PIECES_STATUS], handlers(ctx))
    return ctx


async def stop(ctx: ArchiveContext) -> None:
    await ctx.runtime.close()
