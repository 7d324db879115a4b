"""What the handlers, the sender, the replay and the API are given: the stores, the mailer and the unit
of work, as ports (``notification.ports``). ``notification.bootstrap`` builds it on MongoDB, SMTP and
Kafka; ``notification.fakes.fake_context`` in memory."""

from dataclasses import dataclass
from typing import Protocol

from messaging.runtime import Runtime
from messaging.unit_of_work import Transaction, UnitOfWork
from notification.ports import DeadLetters, DeliveryStore, MailSender, PieceStore, StructureStore
from notification.settings import NotificationSettings
from readmodel.principals import Principals


@dataclass
class NotificationTx(Transaction):
    """The stores bound to one transaction of the unit of work."""

    deliveries: DeliveryStore
    pieces: PieceStore


class QueueDrainer(Protocol):
    """The sender as the handlers see it (``notification.sender.Sender``)."""

    def notify(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass
class NotificationContext:
    settings: NotificationSettings
    structures: StructureStore
    deliveries: DeliveryStore
    pieces: PieceStore
    mailer: MailSender
    dead_letters: DeadLetters
    uow: UnitOfWork[NotificationTx]
    principals: Principals  # who calls the API (deposit's GET /v1/moi)
    runtime: Runtime | None = None  # the database and the broker (None on fakes)
    sender: QueueDrainer | None = None  # drains the delivery queue (None in the replay command)

    async def checks(self) -> dict[str, bool]:
        return {} if self.runtime is None else await self.runtime.checks()
