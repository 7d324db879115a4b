"""A pièce changed status: e-mail the expected actor and inform the other parties, once each."""

import hashlib
import logging
from typing import Any

from contracts import Envelope, PieceStatusChanged
from messaging.consumer import PermanentError, TransientError
from notification.adapters.mailer import PermanentRejection, TemporaryFailure
from notification.bootstrap import NotificationContext
from notification.domain.messages import render
from notification.domain.rules import plan

log = logging.getLogger(__name__)


class RecipientUnknown(Exception):
    """The party's structure is not in this service's directory (yet)."""


async def on_status_changed(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    event: PieceStatusChanged = envelope.data
    event_id = str(envelope.id)
    rejected: list[str] = []
    mails = plan(event)
    structures = await ctx.structures.many({mail.siret for mail in mails}) if mails else {}
    for mail in mails:
        structure = structures.get(mail.siret)
        if structure is None:
            # The directory event may still be on its way: the consumer retries a few times, then
            # dead-letters the event with this reason; a replay after the fix sends what is missing.
            raise RecipientUnknown(
                f"structure {mail.siret} ({mail.role}) absente de l'annuaire du service de notification"
            )
        message = render(mail, event, structure.nom, ctx.settings.public_base_url)
        delivery = await ctx.deliveries.open(
            event_id,
            structure.email_contact,
            {
                "dossier_id": event.piece.dossier_id,
                "piece_id": event.piece.piece_id,
                "statut": event.statut.value,
                "template": mail.template.value,
                "role": mail.role.value,
                "siret": mail.siret,
                "subject": message.subject,
            },
        )
        if delivery["state"] == "sent":
            continue
        digest = hashlib.sha256(delivery["_id"].encode()).hexdigest()[:32]
        try:
            await ctx.mailer.send(structure.email_contact, message, f"<{digest}@travaux.notification>")
        except TemporaryFailure as exc:
            await ctx.deliveries.mark_failed(delivery["_id"], str(exc), state="retrying")
            raise TransientError(f"SMTP temporarily unavailable: {exc}") from exc
        except PermanentRejection as exc:
            await ctx.deliveries.mark_failed(delivery["_id"], str(exc), state="rejected")
            rejected.append(f"{structure.email_contact}: {exc}")
            continue
        await ctx.deliveries.mark_sent(delivery["_id"])
    if rejected:
        raise PermanentError("smtp_rejected", "refused by the SMTP server: " + "; ".join(rejected))
