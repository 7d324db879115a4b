"""Any status change is activity on the dossier."""

from typing import Any

from archive.bootstrap import ArchiveContext
from contracts import Envelope, PieceStatusChanged


async def on_status_changed(ctx: ArchiveContext, envelope: Envelope[Any]) -> None:
    event: PieceStatusChanged = envelope.data
    await ctx.activity.touch(event.piece.dossier_id, event.changed_at, event.statut.value)
