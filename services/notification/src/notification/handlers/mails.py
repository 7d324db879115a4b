"""What both handlers do once the rules chose who is told: find each structure's recipients, render
its mail, and queue them all in one transaction (once per event and recipient)."""

from collections.abc import Callable
from typing import Any

from contracts import PieceSnapshot, Structure
from notification.context import NotificationContext, NotificationTx
from notification.domain.messages import Message
from notification.domain.rules import PlannedMail, recipients


class RecipientUnknown(Exception):
    """The party's structure is not in this service's directory (yet)."""


async def queue_mails(
    ctx: NotificationContext,
    event_id: str,
    piece: PieceSnapshot,
    about: str,
    mails: list[PlannedMail],
    render: Callable[[PlannedMail, str], Message],
    structures: dict[str, Structure] | None = None,
) -> None:
    """``about``: the status or deadline the mails are about (shown in the history); ``render``: the
    mail for one structure, given its name; ``structures``: those already read, if any."""
    if not mails:
        return
    structures = dict(structures or {})
    missing = {mail.siret for mail in mails} - structures.keys()
    if missing:
        structures.update(await ctx.structures.many(missing))
    queue: list[tuple[str, dict[str, Any]]] = []
    for mail in mails:
        structure = structures.get(mail.siret)
        if structure is None:
            # The directory event may still be on its way: the consumer retries a few times, then
            # dead-letters the event with this reason; a replay after the fix queues what is missing.
            raise RecipientUnknown(
                f"structure {mail.siret} ({mail.role}) absente de l'annuaire du service de notification"
            )
        message = render(mail, structure.nom)
        fields = {
            "dossier_id": piece.dossier_id,
            "piece_id": piece.piece_id,
            "statut": about,
            "template": mail.template.value,
            "role": mail.role.value,
            "siret": mail.siret,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
        }
        queue += [(email, fields) for email in recipients(structure, piece.code_service)]
    if not queue:
        return

    async def work(tx: NotificationTx) -> int:
        return await tx.deliveries.queue(event_id, queue)

    if await ctx.uow.run(work) and ctx.sender is not None:
        ctx.sender.notify()
