"""What the handlers, the move and the API are given: the stores, the owners' clients, the mover and the
unit of work, as ports (``archive.ports``). ``archive.bootstrap`` builds it on MongoDB, HTTP and Kafka;
``archive.fakes.fake_context`` in memory."""

from dataclasses import dataclass

from archive.move import Mover
from archive.ports import ActivityStore, CopyStore, Owners
from archive.settings import ArchiveSettings
from messaging.runtime import Runtime
from messaging.unit_of_work import Transaction, UnitOfWork
from readmodel.principals import Principals


@dataclass
class ArchiveTx(Transaction):
    """The stores bound to one transaction of the unit of work."""

    store: CopyStore
    activity: ActivityStore


@dataclass
class ArchiveContext:
    settings: ArchiveSettings
    activity: ActivityStore
    store: CopyStore
    sources: Owners
    mover: Mover
    uow: UnitOfWork[ArchiveTx]
    principals: Principals
    runtime: Runtime | None = None  # the database and the broker (None on fakes)

    async def checks(self) -> dict[str, bool]:
        return {} if self.runtime is None else await self.runtime.checks()
