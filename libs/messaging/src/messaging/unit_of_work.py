"""The unit of work: the one way a service changes its state.

``await uow.run(work, claim=event_id)`` runs ``work(tx)`` in one MongoDB transaction. Before the work it
claims ``event_id`` (the event being consumed: a re-delivered event finds its id claimed and changes
nothing); the work reads and writes through ``tx``, the service's stores bound to that transaction, and
hands the events it announces to ``tx.publish``; the unit of work writes them to the outbox in the same
transaction, commits, and only then wakes the outbox relay. A failure anywhere rolls everything back:
the claim, the writes and the events. No handler or use case ever sees a database session.

``MemoryUnitOfWork`` does the same over in-memory stores, for the service-layer tests: a work that
raises leaves the stores as they were, the claimed ids and the published events are kept in lists the
test reads.
"""

import copy
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from contracts import Envelope
from messaging.mongo import in_transaction
from messaging.outbox import Outbox
from messaging.processed import ProcessedEvents

T = TypeVar("T")


class AlreadyExists(Exception):
    """A write met a unique key already taken (by another transaction, or before): nothing of the work was
    kept. The service layer decides what that means (a number already used, a request that raced)."""


@dataclass
class Transaction:
    """What a work sees besides the stores: where to put the events it announces. A service's transaction
    type subclasses it with its stores, bound to the transaction."""

    events: list[Envelope[Any]] = field(default_factory=list, init=False)

    def publish(self, envelope: Envelope[Any]) -> None:
        """Announce ``envelope`` once this transaction commits (in the order of the calls)."""
        self.events.append(envelope)


TxT = TypeVar("TxT", bound=Transaction)


class UnitOfWork(Protocol[TxT]):  # type: ignore[misc]
    async def run(
        self, work: Callable[[TxT], Awaitable[T]], *, claim: str | None = None, session: Any = None
    ) -> T | None:
        """``work(tx)`` in one transaction; None, without running it, when ``claim`` was claimed before.
        ``session``: the database session to run it in when the caller holds one (an adapter's business,
        e.g. a lease that recorded that session's id); the in-memory unit of work ignores it."""
        ...


class MongoUnitOfWork(Generic[TxT]):
    """The unit of work on MongoDB: ``bind(session)`` builds the service's transaction object (its stores
    bound to ``session``) at each attempt (pymongo runs a transaction again after a transient error)."""

    def __init__(
        self,
        client: AsyncMongoClient,
        outbox: Outbox | None,
        processed: ProcessedEvents | None,
        bind: Callable[[AsyncClientSession], TxT],
    ):
        self.client = client
        self.outbox = outbox
        self.processed = processed
        self.bind = bind

    async def run(
        self,
        work: Callable[[TxT], Awaitable[T]],
        *,
        claim: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> T | None:
        async def body(session: AsyncClientSession) -> tuple[bool, T | None]:
            if claim is not None:
                if self.processed is None:
                    raise RuntimeError("this unit of work claims no event ids")
                if not await self.processed.claim(claim, session):
                    return False, None
            tx = self.bind(session)
            result = await work(tx)
            if tx.events:
                if self.outbox is None:
                    raise RuntimeError("this unit of work has no outbox to publish to")
                await self.outbox.add_all(tx.events, session)
            return bool(tx.events), result

        try:
            published, result = await in_transaction(self.client, body, session)
        except DuplicateKeyError as exc:
            raise AlreadyExists(str(exc)) from exc
        if published and self.outbox is not None:
            self.outbox.notify()
        return result


class MemoryStore:
    """Base of the in-memory fakes: its attributes are its state, copied before a work and put back when
    the work raises. ``within(session)`` is the MongoDB adapters' way to bind; a fake is its own binding."""

    def within(self, session: object) -> "MemoryStore":
        return self

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(vars(self))

    def restore(self, state: dict[str, Any]) -> None:
        vars(self).clear()
        vars(self).update(state)


class MemoryUnitOfWork(Generic[TxT]):
    """The unit of work over in-memory stores: all or nothing, like a transaction (one work at a time)."""

    def __init__(self, stores: Iterable[MemoryStore], bind: Callable[[], TxT]):
        self.stores = list(stores)
        self.bind = bind
        self.claimed: list[str] = []
        self.published: list[Envelope[Any]] = []
        self.commits = 0

    async def run(
        self, work: Callable[[TxT], Awaitable[T]], *, claim: str | None = None, session: Any = None
    ) -> T | None:
        if claim is not None and claim in self.claimed:
            return None
        saved = [store.snapshot() for store in self.stores]
        tx = self.bind()
        try:
            result = await work(tx)
        except BaseException:
            for store, state in zip(self.stores, saved, strict=True):
                store.restore(state)
            raise
        if claim is not None:
            self.claimed.append(claim)
        self.published.extend(tx.events)
        self.commits += 1
        return result

    def events_of(self, kind: type) -> list[Any]:
        """The payloads of type ``kind`` published so far, in order."""
        return [e.data for e in self.published if isinstance(e.data, kind)]
