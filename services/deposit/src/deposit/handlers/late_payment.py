"""Routing computed the penalties of a dossier put in payment after its délai global de paiement:
keep them on the dossier, which shows them. Setting the same figures twice changes nothing."""

from typing import Any

from contracts import Envelope, LatePaymentPenalties
from deposit.context import DepositContext, DepositTx
from messaging.consumer import PermanentError


async def on_late_payment(ctx: DepositContext, envelope: Envelope[Any]) -> None:
    late: LatePaymentPenalties = envelope.data
    figures = {
        "piece_id": late.piece_id,
        "due_at": late.due_at,
        "paid_at": late.paid_at,
        **late.penalites.model_dump(mode="json"),
    }

    async def work(tx: DepositTx) -> None:
        if not await tx.pieces.set_penalties(late.dossier_id, figures):
            if await tx.archived.of_dossier(late.dossier_id):
                raise PermanentError("dossier_archive", f"penalties: dossier {late.dossier_id} moved to the archive")
            raise PermanentError("dossier_inconnu", f"penalties for unknown dossier {late.dossier_id}")

    await ctx.uow.run(work)
