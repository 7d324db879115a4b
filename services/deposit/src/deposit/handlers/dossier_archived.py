"""The archive announces a verified copy of a dossier: remove it from the active store, if it did not change.

The dossier leaves only if its fingerprint is still the one the archive copied: any change since (a
status, an action, a deadline, late penalties) keeps it here, and the archive drops its copy. One
transaction removes the pièces, the dossier and its files, leaves a tombstone and writes the outcome
event (``DossierRemoved`` or ``DossierKept``): all of it or nothing, once per announcement.
"""

import logging
import uuid
from typing import Any

from contracts import DossierArchived, DossierKept, DossierRemoved, Envelope, make_event
from deposit.context import SOURCE, DepositContext, DepositTx
from deposit.usecases.handover import dossier_bundle

log = logging.getLogger(__name__)

OUTCOME_IDS = uuid.UUID("0f3d6c1e-8a52-4c7b-b2f4-6a9e21d4c0a7")  # outcome id = f(announcement id)


async def on_dossier_archived(ctx: DepositContext, envelope: Envelope[Any]) -> None:
    archived: DossierArchived = envelope.data
    outcome_id = uuid.uuid5(OUTCOME_IDS, str(envelope.id))

    async def work(tx: DepositTx) -> None:
        tombstone = await tx.archived.of_dossier(archived.dossier_id)
        bundle = None if tombstone else await dossier_bundle(tx.pieces, archived.dossier_id)
        outcome: DossierRemoved | DossierKept
        if tombstone is not None and tombstone["move_id"] == archived.move_id:
            outcome = _removed(archived, tombstone["removed_at"])  # announced again: the same answer
        elif bundle is None:
            outcome = _kept(archived, "dossier_inconnu", "the active store holds no such dossier")
        elif bundle["fingerprint"] != archived.fingerprint:
            outcome = _kept(archived, "dossier_modifie", "the dossier changed after the archive copied it")
        else:
            now = ctx.clock.now()
            await tx.documents.delete([f["file_id"] for f in bundle["documents"]])
            await tx.pieces.remove_dossier(archived.dossier_id)
            await tx.archived.record(archived.dossier_id, archived.move_id, bundle["pieces"], archived.location, now)
            outcome = _removed(archived, now)
        tx.publish(make_event(outcome, source=SOURCE, subject=archived.dossier_id, event_id=outcome_id))
        log.info("dossier %s, move %s: %s", archived.dossier_id, archived.move_id, type(outcome).__name__)

    await ctx.uow.run(work, claim=str(envelope.id))


def _kept(archived: DossierArchived, code: str, reason: str) -> DossierKept:
    return DossierKept(dossier_id=archived.dossier_id, move_id=archived.move_id, code=code, reason=reason)


def _removed(archived: DossierArchived, at: Any) -> DossierRemoved:
    return DossierRemoved(
        dossier_id=archived.dossier_id,
        move_id=archived.move_id,
        piece_ids=archived.piece_ids,
        notification_ids=archived.notification_ids,
        location=archived.location,
        removed_at=at,
    )
