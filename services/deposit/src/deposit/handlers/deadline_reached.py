"""A legal deadline was reached on a pièce (routing owns time): record it on the pièce and its dossier,
so the tacit procedure it opens (A22, A23, A24, A25) is accepted from now on; and when the deadline
moves the pièce by itself (the titulaire's 15 days of silence on an A10), move it and send it back to
routing. One transaction with the event id: a re-delivered deadline changes nothing."""

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import DeadlineReached, Envelope, SubmissionReason
from deposit.adapters.pieces import snapshot_of
from deposit.bootstrap import DepositContext
from deposit.domain.circuit import lapse_for
from deposit.domain.piece import change_status
from deposit.usecases.status_events import record_change
from messaging.consumer import PermanentError
from messaging.mongo import in_transaction


async def on_deadline_reached(ctx: DepositContext, envelope: Envelope[Any]) -> None:
    reached: DeadlineReached = envelope.data

    async def work(session: AsyncClientSession) -> bool:
        if not await ctx.processed.claim(str(envelope.id), session):
            return False
        if not await ctx.pieces.add_deadline(reached.piece_id, reached.dossier_id, reached.echeance, session):
            if await ctx.archived.of_dossier(reached.dossier_id, session):
                raise PermanentError("dossier_archive", f"deadline {reached.echeance}: dossier moved to the archive")
            raise PermanentError("piece_inconnue", f"deadline {reached.echeance} for unknown pièce {reached.piece_id}")
        record = await ctx.pieces.get(reached.piece_id, session)
        piece = snapshot_of(record)
        lapse = lapse_for(piece, reached.echeance)
        if lapse is None:
            return False
        change = change_status(piece, lapse.target, ctx.clock.now(), comment=lapse.comment, action="delai_echu")
        resubmit = SubmissionReason.VALIDATION if lapse.resubmit else None
        await record_change(ctx, change, session, cause=envelope.id, resubmit=resubmit)
        return True

    if await in_transaction(ctx.client, work):
        ctx.outbox.notify()
