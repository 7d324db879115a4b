"""The service tier: the handlers, the sender and the replay against the in-memory fakes
(``notification.fakes``): no database, no broker, no SMTP server; each test runs in milliseconds."""

from datetime import UTC, datetime

import pytest

from contracts import Contact, ExpectedAction, PieceStatusChanged, Profil, Role, Statut, Structure, make_event
from notification.context import NotificationContext
from notification.fakes import fake_context
from notification.handlers.registry import handlers
from notification.settings import NotificationSettings
from tests.support.snapshots import snapshot

F, VAL, MOE, MOA, DEST = "73282932000074", "55210055400013", "44306184100047", "21750001600019", "21310555400017"
ANNOUNCED = datetime(2026, 1, 1, tzinfo=UTC)


def structure(siret: str, nom: str, *emails: str, **fields) -> Structure:
    contacts = [Contact(email=e, nom=e.split("@")[0], profil=Profil.MODIFICATION) for e in emails]
    return Structure(siret=siret, nom=nom, email_contact=f"contact-{siret}@example.fr", contacts=contacts, **fields)


DIRECTORY = [
    structure(F, "Bâtiments Durand", "claire@durand.example"),
    structure(VAL, "Titulaire Martin", "titulaire@martin.example"),
    structure(MOE, "Cabinet Moe", "paul@moe.example"),
    structure(MOA, "Commune", "agnes@commune.example", publique=True, presence_moa="AVEC_MOA"),
    structure(DEST, "Finances", "compta@finances.example", publique=True, presence_moa="SANS_MOA"),
]


class Service:
    """The service as its consumers drive it: ``deliver(payload)`` hands one event to its handler."""

    def __init__(self, ctx: NotificationContext):
        self.ctx = ctx
        self.handlers = handlers(ctx)

    async def deliver(self, payload, event_id=None, subject: str = "d"):
        envelope = make_event(payload, source="/tests", subject=subject, event_id=event_id)
        await self.handlers[type(payload)](envelope)
        return envelope

    @property
    def queued(self) -> dict[str, dict]:
        return self.ctx.deliveries.queued  # type: ignore[attr-defined]

    @property
    def ledger(self) -> dict[str, dict]:
        return self.ctx.deliveries.ledger  # type: ignore[attr-defined]

    def mails(self) -> set[tuple[str, str]]:
        """(recipient, template) of every mail queued or recorded so far."""
        return {(r["email"], r["template"]) for r in self.ledger.values()}


@pytest.fixture
def settings() -> NotificationSettings:
    return NotificationSettings(
        public_base_url="https://travaux.example",
        smtp_retry_base_seconds=10,
        smtp_retry_max_seconds=60,
        smtp_max_attempts=3,
        sender_concurrency=2,
    )


@pytest.fixture
async def service(settings) -> Service:
    ctx = fake_context(settings)
    for s in DIRECTORY:
        await ctx.structures.upsert(s, ANNOUNCED)
    return Service(ctx)


def change(
    cadre: str,
    statut: Statut,
    expected: tuple[Role, str] | None = None,
    motif: str | None = None,
    masked: bool | None = None,
    **piece_fields,
) -> PieceStatusChanged:
    fields = {"valideur": None, "destinataire": None, "emetteur": None, **piece_fields}
    action = ExpectedAction(role=expected[0], siret=expected[1], action="Agir") if expected else None
    return PieceStatusChanged(
        previous_statut=None,
        statut=statut,
        changed_at=datetime(2026, 11, 2, 10, tzinfo=UTC),
        piece=snapshot(cadre, statut, **fields),
        expected_action=action,
        motif=motif,
        commentaire="précision" if motif else None,
        mise_en_paiement_masquee=masked,
    )


@pytest.fixture
def status_change():
    return change
