"""A dossier left the active store for the archive, which holds copies of its notification records:
forget them, and the pièces' snapshots, in one transaction. Deletes are idempotent: a re-delivered event
removes nothing more. Only the records the archive copied go (a mail recorded after the copy stays)."""

from typing import Any

from contracts import DossierRemoved, Envelope
from notification.context import NotificationContext, NotificationTx


async def on_dossier_removed(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    removed: DossierRemoved = envelope.data

    async def work(tx: NotificationTx) -> None:
        await tx.deliveries.forget(removed.notification_ids)
        await tx.pieces.forget(removed.piece_ids)

    await ctx.uow.run(work)
