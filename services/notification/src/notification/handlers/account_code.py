"""A one-time code was issued for an account: e-mail it to that address only (once per event)."""

from typing import Any

from contracts import AccountCodeIssued, Envelope
from notification.adapters.deliveries import URGENT
from notification.context import NotificationContext, NotificationTx
from notification.domain.account_mails import TEMPLATE, render_account_mail


async def on_account_code(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    event: AccountCodeIssued = envelope.data
    message = render_account_mail(event, ctx.settings.public_base_url)
    fields = {
        "dossier_id": None,
        "piece_id": None,
        "statut": f"COMPTE_{event.motif.value}",
        "template": TEMPLATE,
        "role": None,
        "siret": event.invitation.siret if event.invitation else None,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
    }

    async def work(tx: NotificationTx) -> int:  # a person waits for this code: before the circuit's backlog
        return await tx.deliveries.queue(str(envelope.id), [(event.email, fields)], URGENT)

    if await ctx.uow.run(work) and ctx.sender is not None:
        ctx.sender.notify()
