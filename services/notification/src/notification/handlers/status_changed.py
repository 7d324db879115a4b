"""A pièce changed status: queue one mail per (rule, recipient), once per event and recipient. Sending
is the sender's job (``notification.sender``), so a slow or dead SMTP server never holds up this
consumer."""

from typing import Any

from contracts import Envelope, PieceStatusChanged
from notification.context import NotificationContext
from notification.domain.messages import render
from notification.domain.rules import Context, parties, plan
from notification.handlers.mails import queue_mails


async def on_status_changed(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    event: PieceStatusChanged = envelope.data
    await ctx.pieces.remember(event.piece)  # deadline mails name it later
    structures = await ctx.structures.many({siret for _, siret in parties(event)})  # every party's, in one read
    masked = event.mise_en_paiement_masquee
    if masked is None:  # an event from before deposit recorded it: the destinataire's setting now
        destinataire = structures.get(event.piece.destinataire or "")
        masked = destinataire is not None and destinataire.mise_en_paiement_masquee
    mails = plan(event, Context(mise_en_paiement_masquee=masked))
    base_url = ctx.settings.public_base_url
    await queue_mails(
        ctx,
        str(envelope.id),
        event.piece,
        event.statut.value,
        mails,
        lambda mail, name: render(mail, event, name, base_url),
        structures,
    )
