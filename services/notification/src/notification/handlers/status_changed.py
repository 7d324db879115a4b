"""A pièce changed status: queue one mail per (rule, recipient), once per event and recipient. Sending
is the sender's job (``notification.sender``), so a slow or dead SMTP server never holds up this
consumer."""

import logging
from typing import Any

from contracts import Envelope, PieceStatusChanged
from notification.bootstrap import NotificationContext
from notification.domain.messages import render
from notification.domain.rules import Context, plan, recipients

log = logging.getLogger(__name__)


class RecipientUnknown(Exception):
    """The party's structure is not in this service's directory (yet)."""


async def on_status_changed(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    event: PieceStatusChanged = envelope.data
    await ctx.pieces.remember(event.piece)  # deadline mails name it later
    destinataire = event.piece.destinataire
    known = await ctx.structures.many({destinataire}) if destinataire else {}
    masked = destinataire in known and known[destinataire].mise_en_paiement_masquee
    mails = plan(event, Context(mise_en_paiement_masquee=masked))
    structures = await ctx.structures.many({mail.siret for mail in mails}) if mails else {}
    queue: list[tuple[str, dict[str, Any]]] = []
    for mail in mails:
        structure = structures.get(mail.siret)
        if structure is None:
            # The directory event may still be on its way: the consumer retries a few times, then
            # dead-letters the event with this reason; a replay after the fix queues what is missing.
            raise RecipientUnknown(
                f"structure {mail.siret} ({mail.role}) absente de l'annuaire du service de notification"
            )
        message = render(mail, event, structure.nom, ctx.settings.public_base_url)
        fields = {
            "dossier_id": event.piece.dossier_id,
            "piece_id": event.piece.piece_id,
            "statut": event.statut.value,
            "template": mail.template.value,
            "role": mail.role.value,
            "siret": mail.siret,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
        }
        queue += [(email, fields) for email in recipients(structure, event.piece.code_service)]
    await queue_mails(ctx, str(envelope.id), queue)


async def queue_mails(ctx: NotificationContext, event_id: str, mails: list[tuple[str, dict[str, Any]]]) -> None:
    """Queue an event's mails at once (one transaction), and wake the sender if any was new."""
    if await ctx.deliveries.queue(event_id, mails) and ctx.sender is not None:
        ctx.sender.notify()
