"""What the archive service does with each event it consumes: one place to read it."""

from functools import partial

from archive.context import ArchiveContext
from archive.handlers.outcome import on_kept, on_removed
from archive.handlers.status_changed import on_status_changed
from contracts import DossierKept, DossierRemoved, PieceStatusChanged
from messaging.consumer import Handler


def handlers(ctx: ArchiveContext) -> dict[type, Handler]:
    return {
        PieceStatusChanged: partial(on_status_changed, ctx),
        DossierRemoved: partial(on_removed, ctx),
        DossierKept: partial(on_kept, ctx),
    }
