"""A dossier left the active store for the archive, which holds copies of its notification records:
forget them, and the pièces' snapshots, in one transaction. Deletes are idempotent: a re-delivered event
removes nothing more. Only the records the archive copied go (a mail recorded after the copy stays)."""

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import DossierRemoved, Envelope
from messaging.mongo import in_transaction
from notification.bootstrap import NotificationContext


async def on_dossier_removed(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    removed: DossierRemoved = envelope.data

    async def work(session: AsyncClientSession) -> None:
        await ctx.deliveries.forget(removed.notification_ids, session)
        await ctx.pieces.forget(removed.piece_ids, session)

    await in_transaction(ctx.runtime.client, work)
