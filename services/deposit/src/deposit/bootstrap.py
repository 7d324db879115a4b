"""Composition root: builds the real adapters from settings and starts/stops the background work
(outbox relay, reconciler, routing-decision consumer)."""

from contracts import topics
from deposit.adapters.archived import ArchivedDossiers
from deposit.adapters.audit import AuditLog
from deposit.adapters.codes import OneTimeCodes
from deposit.adapters.directory import DirectoryStore
from deposit.adapters.documents import DocumentStore
from deposit.adapters.idempotency import IdempotencyStore
from deposit.adapters.pieces import PieceStore
from deposit.adapters.publication import DirectoryPublication
from deposit.adapters.rattachements import Rattachements
from deposit.context import DepositContext
from deposit.handlers.registry import handlers
from deposit.reconciler import Reconciler
from deposit.settings import DepositSettings
from messaging.outbox import Outbox, OutboxRelay
from messaging.processed import ProcessedEvents
from messaging.runtime import Runtime
from messaging.unit_of_work import MongoUnitOfWork


async def start(settings: DepositSettings) -> DepositContext:
    runtime = await Runtime.open("deposit", settings, settings.deposit_database)
    database = runtime.database
    outbox = Outbox(database, settings.outbox_retention_seconds)
    broker = runtime.broker
    ctx = DepositContext(
        settings=settings,
        runtime=runtime,
        pieces=PieceStore(database),
        documents=DocumentStore(database),
        directory=DirectoryStore(database, settings.auth_cache_seconds),
        idempotency=IdempotencyStore(database, settings.idempotency_lease_seconds),
        outbox=outbox,
        processed=ProcessedEvents(database),
        relay=OutboxRelay(
            outbox,
            runtime.producer,
            topic_id=broker.topic_id,
            broker_reachable=lambda: broker.reachable,
            lease_seconds=settings.outbox_lease_seconds,
        ),
        archived=ArchivedDossiers(database),
        codes=OneTimeCodes(database),
        invitations=Rattachements(database, "invitations"),
        demandes=Rattachements(database, "demandes"),
        audit=AuditLog(database),
        publication=DirectoryPublication(database),
    )
    ctx.uow = MongoUnitOfWork(runtime.client, outbox, ctx.processed, bind=ctx.bind)
    ctx.reconciler = Reconciler(ctx)
    stores = (ctx.pieces, ctx.documents, ctx.directory, ctx.idempotency, ctx.outbox, ctx.processed, ctx.archived)
    for store in (*stores, ctx.codes, ctx.invitations, ctx.demandes, ctx.audit):
        await store.ensure_indexes()
    if settings.deposit_admin_token:
        await ctx.directory.ensure_admin(settings.deposit_admin_email, settings.deposit_admin_token)
    if settings.outbox_relay_enabled:  # off only to prove the outbox: then nothing is published or re-driven
        ctx.relay.start()
        ctx.reconciler.start()
    if settings.consumers_enabled:
        await runtime.consume([topics.PIECES_ROUTED, topics.DEADLINES, topics.DOSSIERS_ARCHIVED], handlers(ctx))
    return ctx


async def stop(ctx: DepositContext) -> None:
    if ctx.reconciler is not None:
        await ctx.reconciler.stop()
    if ctx.relay is not None:
        await ctx.relay.stop()
    if ctx.runtime is not None:
        await ctx.runtime.close()
