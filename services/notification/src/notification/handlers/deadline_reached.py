"""A legal deadline was reached (or a late payment's penalties computed): tell whom it concerns, once
per event and recipient, naming the pièce as the status stream last showed it."""

from typing import Any

from contracts import DeadlineReached, Envelope, LatePaymentPenalties
from notification.bootstrap import NotificationContext
from notification.domain.messages import render_deadline
from notification.domain.rules import PENALITES, deadline_headline, plan_deadline, recipients
from notification.handlers.status_changed import RecipientUnknown, queue_mails


class PieceUnknown(Exception):
    """The deadline names a pièce whose status this service never saw."""


async def on_deadline(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    reached: DeadlineReached | LatePaymentPenalties = envelope.data
    echeance = reached.echeance.value if isinstance(reached, DeadlineReached) else PENALITES
    piece = await ctx.pieces.get(reached.piece_id)
    if piece is None:  # retried a few times, then dead-lettered: the replay handles it once it is known
        raise PieceUnknown(f"pièce {reached.piece_id} jamais vue sur travaux.pieces.status")
    mails = plan_deadline(echeance, piece)
    structures = await ctx.structures.many({mail.siret for mail in mails}) if mails else {}
    queue: list[tuple[str, dict[str, Any]]] = []
    for mail in mails:
        structure = structures.get(mail.siret)
        if structure is None:
            raise RecipientUnknown(f"structure {mail.siret} ({mail.role}) absente de l'annuaire")
        detail = reached.detail if isinstance(reached, DeadlineReached) else None
        message = render_deadline(
            mail,
            piece,
            echeance,
            deadline_headline(echeance),
            detail,
            reached.penalites,
            structure.nom,
            ctx.settings.public_base_url,
        )
        fields = {
            "dossier_id": reached.dossier_id,
            "piece_id": reached.piece_id,
            "statut": echeance,
            "template": mail.template.value,
            "role": mail.role.value,
            "siret": mail.siret,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
        }
        queue += [(email, fields) for email in recipients(structure, piece.code_service)]
    await queue_mails(ctx, str(envelope.id), queue)
