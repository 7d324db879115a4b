"""Any status change is activity on the dossier."""

from typing import Any

from archive.context import ArchiveContext
from contracts import Envelope, PieceStatusChanged
from readmodel.access import PieceParties


async def on_status_changed(ctx: ArchiveContext, envelope: Envelope[Any]) -> None:
    event: PieceStatusChanged = envelope.data
    piece = event.piece
    await ctx.activity.touch(
        piece.dossier_id, event.changed_at, event.statut.value, piece.piece_id, PieceParties.of(piece)
    )
