"""A legal deadline was reached on a pièce (routing owns time): record it on the pièce and its dossier,
so the tacit procedure it opens (A22, A23, A24, A25) is accepted from now on; and when the deadline
moves the pièce by itself (the titulaire's 15 days of silence on an A10), move it and send it back to
routing. One transaction with the event id: a re-delivered deadline changes nothing."""

from typing import Any

from contracts import DeadlineReached, Envelope, SubmissionReason
from deposit.context import DepositContext, DepositTx
from deposit.domain.circuit import lapse_for
from deposit.domain.piece import change_status
from deposit.usecases.status_events import record_change
from messaging.consumer import PermanentError


async def on_deadline_reached(ctx: DepositContext, envelope: Envelope[Any]) -> None:
    reached: DeadlineReached = envelope.data

    async def work(tx: DepositTx) -> None:
        if not await tx.pieces.add_deadline(reached.piece_id, reached.dossier_id, reached.echeance):
            if await tx.archived.of_dossier(reached.dossier_id):
                raise PermanentError("dossier_archive", f"deadline {reached.echeance}: dossier moved to the archive")
            raise PermanentError("piece_inconnue", f"deadline {reached.echeance} for unknown pièce {reached.piece_id}")
        record = await tx.pieces.read(reached.piece_id)
        assert record is not None  # add_deadline found it
        piece = record.snapshot
        lapse = lapse_for(piece, reached.echeance)
        if lapse is None:
            return
        change = change_status(piece, lapse.target, ctx.clock.now(), comment=lapse.comment, action="delai_echu")
        resubmit = SubmissionReason.VALIDATION if lapse.resubmit else None
        await record_change(ctx, tx, change, cause=envelope.id, resubmit=resubmit)

    await ctx.uow.run(work, claim=str(envelope.id))
