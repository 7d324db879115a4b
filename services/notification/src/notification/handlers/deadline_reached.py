"""A legal deadline was reached (or a late payment's penalties computed): tell whom it concerns, once
per event and recipient, naming the pièce as the status stream last showed it."""

from typing import Any

from contracts import DeadlineReached, Envelope, LatePaymentPenalties
from notification.context import NotificationContext
from notification.domain.messages import Message, render_deadline
from notification.domain.rules import PENALITES, Context, PlannedMail, deadline_headline, plan_deadline
from notification.handlers.mails import queue_mails


class PieceUnknown(Exception):
    """The deadline names a pièce whose status this service never saw."""


async def on_deadline(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    reached: DeadlineReached | LatePaymentPenalties = envelope.data
    echeance = reached.echeance.value if isinstance(reached, DeadlineReached) else PENALITES
    detail = reached.detail if isinstance(reached, DeadlineReached) else None
    piece = await ctx.pieces.get(reached.piece_id)
    if piece is None:  # retried a few times, then dead-lettered: the replay handles it once it is known
        raise PieceUnknown(f"pièce {reached.piece_id} jamais vue sur travaux.pieces.status")
    headline, base_url = deadline_headline(echeance), ctx.settings.public_base_url

    def render(mail: PlannedMail, name: str) -> Message:
        return render_deadline(mail, piece, echeance, headline, detail, reached.penalites, name, base_url)

    masked = isinstance(reached, LatePaymentPenalties) and reached.mise_en_paiement_masquee
    mails = plan_deadline(echeance, piece, Context(mise_en_paiement_masquee=masked))
    await queue_mails(ctx, str(envelope.id), piece, echeance, mails, render)
