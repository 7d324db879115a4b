"""What the deposit service does with each event it consumes: one place to read it."""

from functools import partial

from contracts import PieceRouted
from deposit.bootstrap import DepositContext
from deposit.handlers.piece_routed import on_piece_routed
from messaging.consumer import Handler


def handlers(ctx: DepositContext) -> dict[type, Handler]:
    return {
        PieceRouted: partial(on_piece_routed, ctx),
    }
