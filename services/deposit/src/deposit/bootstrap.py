"""Composition root: builds the real adapters from settings and starts/stops the background work
(outbox relay, routing-decision consumer)."""

from dataclasses import dataclass, field

from pymongo import AsyncMongoClient

from contracts import topics
from deposit.adapters.archived import ArchivedDossiers
from deposit.adapters.audit import AuditLog
from deposit.adapters.codes import OneTimeCodes
from deposit.adapters.directory import DirectoryStore
from deposit.adapters.documents import DocumentStore
from deposit.adapters.idempotency import IdempotencyStore
from deposit.adapters.pieces import PieceStore
from deposit.adapters.rattachements import Rattachements
from deposit.settings import DepositSettings
from messaging.clock import Clock
from messaging.outbox import Outbox, OutboxRelay
from messaging.processed import ProcessedEvents
from messaging.runtime import Runtime

SOURCE = "/travaux/deposit"


@dataclass
class DepositContext:
    settings: DepositSettings
    runtime: Runtime
    pieces: PieceStore
    documents: DocumentStore
    directory: DirectoryStore
    idempotency: IdempotencyStore
    outbox: Outbox
    processed: ProcessedEvents
    relay: OutboxRelay
    archived: ArchivedDossiers
    codes: OneTimeCodes
    invitations: Rattachements
    demandes: Rattachements
    audit: AuditLog
    clock: Clock = field(default_factory=Clock)  # the business clock: dates of deposits, actions, decisions

    @property
    def client(self) -> AsyncMongoClient:
        return self.runtime.client

    async def ready(self) -> bool:
        relay_ok = self.relay.running or not self.settings.outbox_relay_enabled
        return relay_ok and await self.runtime.ready()


async def start(settings: DepositSettings) -> DepositContext:
    from deposit.handlers.registry import handlers  # late: handlers import this module's context type

    runtime = await Runtime.open("deposit", settings, settings.deposit_database)
    database = runtime.database
    outbox = Outbox(database)
    ctx = DepositContext(
        settings=settings,
        runtime=runtime,
        pieces=PieceStore(database),
        documents=DocumentStore(database),
        directory=DirectoryStore(database, settings.auth_cache_seconds),
        idempotency=IdempotencyStore(database, settings.idempotency_lease_seconds),
        outbox=outbox,
        processed=ProcessedEvents(database),
        relay=OutboxRelay(outbox, runtime.producer, lease_seconds=settings.outbox_lease_seconds),
        archived=ArchivedDossiers(database),
        codes=OneTimeCodes(database),
        invitations=Rattachements(database, "invitations"),
        demandes=Rattachements(database, "demandes"),
        audit=AuditLog(database),
    )
    stores = (ctx.pieces, ctx.documents, ctx.directory, ctx.idempotency, ctx.outbox, ctx.processed, ctx.archived)
    for store in (*stores, ctx.codes, ctx.invitations, ctx.demandes, ctx.audit):
        await store.ensure_indexes()
    if settings.deposit_admin_token:
        await ctx.directory.ensure_admin(settings.deposit_admin_email, settings.deposit_admin_token)
    if settings.outbox_relay_enabled:
        ctx.relay.start()
    if settings.consumers_enabled:
        await runtime.consume([topics.PIECES_ROUTED, topics.DEADLINES, topics.DOSSIERS_ARCHIVED], handlers(ctx))
    return ctx


async def stop(ctx: DepositContext) -> None:
    await ctx.relay.stop()
    await ctx.runtime.close()
