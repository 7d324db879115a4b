"""The owner's answer to an announced move (``travaux.dossiers.removed``).

- ``DossierRemoved``: the dossier left the active store; the staged copy becomes the archived dossier
  (searchable) and its activity record says ``archived``, in one transaction.
- ``DossierKept``: it changed after the copy; the copy is dropped and the dossier is active again (a later
  sweep moves it once it is stale again), or ``absent`` if the owner does not know it.

Both only act on the move they name: an answer to an older move changes nothing. Applying one twice
changes nothing either: re-delivery is harmless without an event-id record.
"""

import logging
from typing import Any

from archive.adapters.activity import ABSENT, ACTIVE, ARCHIVED
from archive.context import ArchiveContext, ArchiveTx
from contracts import DossierKept, DossierRemoved, Envelope, utcnow

log = logging.getLogger(__name__)


async def on_removed(ctx: ArchiveContext, envelope: Envelope[Any]) -> None:
    removed: DossierRemoved = envelope.data

    async def work(tx: ArchiveTx) -> bool:
        now = utcnow()
        published = await tx.store.publish(removed.dossier_id, removed.move_id, now)
        await tx.activity.end_move(removed.dossier_id, removed.move_id, ARCHIVED, archived_at=now)
        return published

    if await ctx.uow.run(work):
        log.info("dossier %s archived (move %s)", removed.dossier_id, removed.move_id)


async def on_kept(ctx: ArchiveContext, envelope: Envelope[Any]) -> None:
    kept: DossierKept = envelope.data
    phase = ABSENT if kept.code == "dossier_inconnu" else ACTIVE

    async def work(tx: ArchiveTx) -> bool:
        dropped = await tx.store.drop(kept.dossier_id, kept.move_id)
        ended = await tx.activity.end_move(
            kept.dossier_id, kept.move_id, phase, last_abort={"at": utcnow(), "reason": kept.code}
        )
        return dropped or ended

    if await ctx.uow.run(work):
        log.info("dossier %s kept active by its owner (%s): move %s dropped", kept.dossier_id, kept.code, kept.move_id)
