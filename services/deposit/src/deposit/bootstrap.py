"""Composition root: builds the real adapters from settings and starts/stops the background work
(outbox relay, reconciler, routing-decision consumer)."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pymongo import AsyncMongoClient

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
from deposit.settings import DepositSettings
from messaging.clock import Clock
from messaging.outbox import Outbox, OutboxRelay
from messaging.processed import ProcessedEvents
from messaging.runtime import Runtime

if TYPE_CHECKING:
    from deposit.reconciler import Reconciler

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
    publication: DirectoryPublication
    clock: Clock = field(default_factory=Clock)  # the business clock: dates of deposits, actions, decisions
    reconciler: "Reconciler | None" = None

    @property
    def client(self) -> AsyncMongoClient:
        return self.runtime.client

    async def checks(self) -> dict[str, bool]:
        enabled = self.settings.outbox_relay_enabled
        background = {
            "outbox_relay": self.relay.running or not enabled,
            "reconciler": not enabled or (self.reconciler is not None and self.reconciler.running),
        }
        return {**await self.runtime.checks(), **background}


async def start(settings: DepositSettings) -> DepositContext:
    from deposit.handlers.registry import handlers  # late: handlers import this module's context type
    from deposit.reconciler import Reconciler

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
    await ctx.relay.stop()
    await ctx.runtime.close()
