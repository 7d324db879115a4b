"""A pièce changed status: queue one mail per (rule, recipient), once per event and recipient. Sending
is the sender's job (``notification.sender``), so a slow or dead SMTP server never holds up this
consumer."""

import logging
from typing import Any

from contracts import Envelope, PieceSnapshot, PieceStatusChanged, Structure
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
    queued = 0
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
        queued += await queue_mails(ctx, str(envelope.id), structure, event.piece, fields)
    if queued and ctx.sender is not None:
        ctx.sender.notify()


async def queue_mails(
    ctx: NotificationContext, event_id: str, structure: Structure, piece: PieceSnapshot, fields: dict[str, Any]
) -> int:
    """Queue one structure's mail for each of its recipients; how many were new."""
    queued = 0
    for email in recipients(structure, piece.code_service):
        queued += await ctx.deliveries.queue(event_id, email, fields)
    return queued
