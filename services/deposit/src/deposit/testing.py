"""The deposit service on in-memory fakes, for the service-layer tests: ``memory_context()`` builds a
``DepositContext`` whose stores are ``deposit.adapters.memory`` fakes and whose unit of work is a
``MemoryUnitOfWork`` (``ctx.uow.published``: the events announced, ``ctx.uow.claimed``: the event ids
consumed). No network, no database, no module-level state: each call builds a fresh service."""

from typing import Any

from deposit.adapters.memory import (
    MemoryArchived,
    MemoryAudit,
    MemoryCodes,
    MemoryDirectory,
    MemoryDocuments,
    MemoryIdempotency,
    MemoryPieces,
    MemoryPublication,
    MemoryRattachements,
)
from deposit.context import DepositContext, DepositTx
from deposit.settings import DepositSettings
from messaging.clock import Clock
from messaging.unit_of_work import MemoryUnitOfWork


def memory_context(settings: DepositSettings | None = None, **overrides: Any) -> DepositContext:
    """A deposit service on fakes; ``overrides``: settings fields (e.g. ``max_document_bytes=100``)."""
    settings = (settings or DepositSettings()).model_copy(update=overrides)
    ctx = DepositContext(
        settings=settings,
        pieces=MemoryPieces(),
        documents=MemoryDocuments(),
        directory=MemoryDirectory(),
        idempotency=MemoryIdempotency(),
        archived=MemoryArchived(),
        codes=MemoryCodes(),
        invitations=MemoryRattachements(),
        demandes=MemoryRattachements(),
        audit=MemoryAudit(),
        publication=MemoryPublication(),
        clock=Clock(),
    )
    stores = [ctx.pieces, ctx.documents, ctx.directory, ctx.idempotency, ctx.archived, ctx.codes]
    stores += [ctx.invitations, ctx.demandes, ctx.audit]
    ctx.uow = MemoryUnitOfWork(stores, bind=ctx.bind)  # type: ignore[arg-type]
    return ctx


def memory_uow(ctx: DepositContext) -> MemoryUnitOfWork[DepositTx]:
    """The context's in-memory unit of work (what it published, claimed, committed)."""
    assert isinstance(ctx.uow, MemoryUnitOfWork)
    return ctx.uow
