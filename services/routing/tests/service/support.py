"""What the service tests build routing's context from: the in-memory adapters
(``routing.adapters.memory``), a directory of the usual parties, records as faust hands them over."""

from dataclasses import dataclass, field

from contracts import PresenceMoa, Structure
from messaging.delivery import deliver
from routing.adapters.memory import InMemoryDeadlineStore, RecordingPublisher, StaticDirectory
from routing.context import RoutingContext
from routing.handlers.registry import CARRIES, handlers
from routing.settings import RoutingSettings
from tests.support.snapshots import DESTINATAIRE, FOURNISSEUR, MOA, MOE, VALIDEUR

ROLES = {"fournisseur": FOURNISSEUR, "valideur": VALIDEUR, "moe": MOE, "moa": MOA, "destinataire": DESTINATAIRE}
FIELDS = {
    "moa": dict(publique=True, presence_moa=PresenceMoa.EXCLUSIVEMENT_MOA),
    "destinataire": dict(publique=True, presence_moa=PresenceMoa.SANS_MOA),
}


def structure(role: str, **changes) -> Structure:
    fields = {"nom": role.title(), **FIELDS.get(role, {}), **changes}
    return Structure(siret=ROLES[role], email_contact=f"{role}@example.fr", **fields)


@dataclass
class Record:
    """A Kafka record, as ``messaging.delivery`` reads it."""

    topic: str
    value: bytes | None
    key: bytes | None = b"d"
    partition: int = 0
    offset: int = 7


@dataclass
class Service:
    ctx: RoutingContext
    directory: StaticDirectory
    store: InMemoryDeadlineStore
    publisher: RecordingPublisher
    dead_letters: list[tuple[str, bytes | None, bytes | None, list]] = field(default_factory=list)

    async def send(self, topic, key, value, headers) -> None:
        self.dead_letters.append((topic, key, value, headers))

    async def deliver(self, topic: str, value: bytes | None) -> None:
        """The record, as routing's agent on ``topic`` hands it over."""
        registry = handlers(self.ctx)
        await deliver(Record(topic, value), registry, self.send, consumer="routing", expected=CARRIES[topic])


def make_service(*structures: Structure) -> Service:
    settings = RoutingSettings()
    directory = StaticDirectory(*structures)
    store = InMemoryDeadlineStore(settings.ecb_main_refinancing_rate)
    publisher = RecordingPublisher()
    ctx = RoutingContext(settings=settings, directory=directory, publisher=publisher, open_deadlines=lambda: store)
    return Service(ctx, directory, store, publisher)
