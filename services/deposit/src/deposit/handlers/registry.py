"""What the deposit service does with each event it consumes: one place to read it."""

from functools import partial

from contracts import DeadlineReached, DossierArchived, LatePaymentPenalties, PieceRouted
from deposit.context import DepositContext
from deposit.handlers.deadline_reached import on_deadline_reached
from deposit.handlers.dossier_archived import on_dossier_archived
from deposit.handlers.late_payment import on_late_payment
from deposit.handlers.piece_routed import on_piece_routed
from messaging.consumer import Handler


def handlers(ctx: DepositContext) -> dict[type, Handler]:
    return {
        PieceRouted: partial(on_piece_routed, ctx),
        DeadlineReached: partial(on_deadline_reached, ctx),
        LatePaymentPenalties: partial(on_late_payment, ctx),
        DossierArchived: partial(on_dossier_archived, ctx),
    }
