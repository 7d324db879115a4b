"""Composition root of the archive service: the API process (searches, consumers, on-demand sweeps) and
the mover (``archive.mover``, the periodic sweep) build their parts here."""

from dataclasses import dataclass
from typing import Any

from archive.adapters.activity import ActivityLog
from archive.adapters.sources import Sources
from archive.adapters.store import ArchiveStore
from archive.move import Mover
from archive.settings import ArchiveSettings
from contracts import Envelope, topics
from messaging.runtime import Runtime
from readmodel.principals import Principals


@dataclass
class ArchiveContext:
    settings: ArchiveSettings
    runtime: Runtime
    activity: ActivityLog
    store: ArchiveStore
    sources: Sources
    mover: Mover
    principals: Principals

    async def checks(self) -> dict[str, bool]:
        return await self.runtime.checks()


async def open_context(settings: ArchiveSettings, name: str = "archive") -> ArchiveContext:
    """The stores, the owners' clients and the mover on an opened runtime; no consumer."""
    runtime = await Runtime.open(name, settings, settings.archive_database)

    async def publish(envelope: Envelope[Any]) -> None:
        await runtime.producer.send_and_wait(topics.DOSSIERS_ARCHIVED, value=envelope.to_bytes(), key=envelope.key)

    activity, store = ActivityLog(runtime.database), ArchiveStore(runtime.database)
    sources = Sources(settings.deposit_internal_url, settings.notification_internal_url, settings.internal_token)
    ctx = ArchiveContext(
        settings,
        runtime,
        activity,
        store,
        sources,
        Mover(settings, activity, store, sources, publish),
        Principals(settings.deposit_public_url, settings.auth_cache_seconds),
    )
    await activity.ensure_indexes()
    await store.ensure_indexes()
    return ctx


async def start(settings: ArchiveSettings) -> ArchiveContext:
    from archive.handlers.registry import handlers

    ctx = await open_context(settings)
    await ctx.runtime.consume([topics.PIECES_STATUS, topics.DOSSIERS_REMOVED], handlers(ctx))
    return ctx


async def stop(ctx: ArchiveContext) -> None:
    await ctx.runtime.close()
    await ctx.sources.close()
    await ctx.principals.close()
