"""A pièce changed status: e-mail the expected actor and inform the other parties, once each."""

import hashlib
import logging
from typing import Any

from contracts import Envelope, PieceStatusChanged
from messaging.consumer import PermanentError, TransientError
from notification.adapters.mailer import PermanentRejection, TemporaryFailure
from notification.bootstrap import NotificationContext
from notification.domain.messages import Message, render
from notification.domain.rules import Context, PlannedMail, plan, recipients

log = logging.getLogger(__name__)


class RecipientUnknown(Exception):
    """The party's structure is not in this service's directory (yet)."""


async def on_status_changed(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    event: PieceStatusChanged = envelope.data
    event_id = str(envelope.id)
    rejected: list[str] = []
    destinataire = event.piece.destinataire
    known = await ctx.structures.many({destinataire}) if destinataire else {}
    masked = destinataire in known and known[destinataire].mise_en_paiement_masquee
    mails = plan(event, Context(mise_en_paiement_masquee=masked))
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
        for email in recipients(structure, event.piece.code_service):
            rejection = await _deliver(ctx, event_id, email, mail, message, event)
            if rejection:
                rejected.append(rejection)
    if rejected:
        raise PermanentError("smtp_rejected", "refused by the SMTP server: " + "; ".join(rejected))


async def _deliver(
    ctx: NotificationContext, event_id: str, email: str, mail: PlannedMail, message: Message, event: PieceStatusChanged
) -> str | None:
    """Send one mail once per (event, recipient); the rejection's reason when the server refuses it."""
    delivery = await ctx.deliveries.open(
        event_id,
        email,
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
        return None
    digest = hashlib.sha256(delivery["_id"].encode()).hexdigest()[:32]
    try:
        await ctx.mailer.send(email, message, f"<{digest}@travaux.notification>")
    except TemporaryFailure as exc:
        await ctx.deliveries.mark_failed(delivery["_id"], str(exc), state="retrying")
        raise TransientError(f"SMTP temporarily unavailable: {exc}") from exc
    except PermanentRejection as exc:
        await ctx.deliveries.mark_failed(delivery["_id"], str(exc), state="rejected")
        return f"{email}: {exc}"
    await ctx.deliveries.mark_sent(delivery["_id"])
    return None
