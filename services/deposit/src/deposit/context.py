"""What the use cases and handlers are given: the service's stores (its ports), its settings and clock, and
the unit of work through which every change goes. ``bootstrap`` builds it on MongoDB, ``deposit.testing``
on in-memory fakes."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deposit.ports import (
    ArchivedPort,
    AuditPort,
    CodesPort,
    DirectoryPort,
    DocumentsPort,
    IdempotencyPort,
    PiecesPort,
    PublicationPort,
    RattachementsPort,
)
from deposit.settings import DepositSettings
from messaging.clock import Clock
from messaging.unit_of_work import Transaction, UnitOfWork

if TYPE_CHECKING:
    from pymongo import AsyncMongoClient

    from deposit.reconciler import Reconciler
    from messaging.outbox import Outbox, OutboxRelay
    from messaging.processed import ProcessedEvents
    from messaging.runtime import Runtime

SOURCE = "/travaux/deposit"


@dataclass
class DepositTx(Transaction):
    """The stores bound to one transaction, and where its events go (``publish``)."""

    pieces: PiecesPort
    documents: DocumentsPort
    directory: DirectoryPort
    idempotency: IdempotencyPort
    archived: ArchivedPort
    codes: CodesPort
    invitations: RattachementsPort
    demandes: RattachementsPort
    audit: AuditPort


@dataclass
class DepositContext:
    settings: DepositSettings
    pieces: PiecesPort
    documents: DocumentsPort
    directory: DirectoryPort
    idempotency: IdempotencyPort
    archived: ArchivedPort
    codes: CodesPort
    invitations: RattachementsPort
    demandes: RattachementsPort
    audit: AuditPort
    publication: PublicationPort
    uow: UnitOfWork[DepositTx] = field(default=None)  # type: ignore[assignment]  # set by whoever builds it
    runtime: "Runtime | None" = None  # the infrastructure: absent on the in-memory fakes
    outbox: "Outbox | None" = None
    processed: "ProcessedEvents | None" = None
    relay: "OutboxRelay | None" = None
    clock: Clock = field(default_factory=Clock)  # the business clock: dates of deposits, actions, decisions
    reconciler: "Reconciler | None" = None

    @property
    def client(self) -> "AsyncMongoClient":
        assert self.runtime is not None
        return self.runtime.client

    def bind(self, session: Any = None) -> DepositTx:
        """The stores bound to ``session`` (a fake store is its own binding)."""
        return DepositTx(
            pieces=self.pieces.within(session),
            documents=self.documents.within(session),
            directory=self.directory.within(session),
            idempotency=self.idempotency.within(session),
            archived=self.archived.within(session),
            codes=self.codes.within(session),
            invitations=self.invitations.within(session),
            demandes=self.demandes.within(session),
            audit=self.audit.within(session),
        )

    async def checks(self) -> dict[str, bool]:
        assert self.runtime is not None and self.relay is not None
        enabled = self.settings.outbox_relay_enabled
        background = {
            "outbox_relay": self.relay.running or not enabled,
            "reconciler": not enabled or (self.reconciler is not None and self.reconciler.running),
        }
        return {**await self.runtime.checks(), **background}
