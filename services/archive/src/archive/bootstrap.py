"""Composition root of the archive service: the API process (searches, consumers, on-demand sweeps) and
the mover (``archive.mover``, the periodic sweep) build their parts here."""

from typing import Any

from archive.adapters.activity import ActivityLog
from archive.adapters.sources import Sources
from archive.adapters.store import ArchiveStore
from archive.context import ArchiveContext, ArchiveTx
from archive.handlers.registry import handlers
from archive.move import Mover
from archive.settings import ArchiveSettings
from contracts import Envelope, topics
from messaging.runtime import Runtime
from messaging.unit_of_work import MongoUnitOfWork
from readmodel.principals import Principals


async def open_context(settings: ArchiveSettings, name: str = "archive") -> ArchiveContext:
    """The stores, the owners' clients and the mover on an opened runtime; no consumer."""
    runtime = await Runtime.open(name, settings, settings.archive_database)

    async def publish(envelope: Envelope[Any]) -> None:
        await runtime.producer.send_and_wait(topics.DOSSIERS_ARCHIVED, value=envelope.to_bytes(), key=envelope.key)

    activity, store = ActivityLog(runtime.database), ArchiveStore(runtime.database)
    sources = Sources(settings.deposit_internal_url, settings.notification_internal_url, settings.internal_token)
    # No event-id records and no outbox: the owner's answers are applied idempotently by themselves, and
    # the announcement goes straight to the broker (its id derives from the move's).
    uow = MongoUnitOfWork(
        runtime.client, None, None, lambda session: ArchiveTx(store.within(session), activity.within(session))
    )
    ctx = ArchiveContext(
        settings,
        activity,
        store,
        sources,
        Mover(settings, activity, store, sources, publish),
        uow,
        Principals(settings.deposit_public_url, settings.auth_cache_seconds),
        runtime,
    )
    await activity.ensure_indexes()
    await store.ensure_indexes()
    return ctx


async def start(settings: ArchiveSettings) -> ArchiveContext:
    ctx = await open_context(settings)
    assert ctx.runtime is not None
    await ctx.runtime.consume([topics.PIECES_STATUS, topics.DOSSIERS_REMOVED], handlers(ctx))
    return ctx


async def stop(ctx: ArchiveContext) -> None:
    if ctx.runtime is not None:
        await ctx.runtime.close()
    await ctx.sources.close()
    await ctx.principals.close()
