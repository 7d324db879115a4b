"""What the routing service does with each event it consumes: one place to read it.

``handlers`` maps a payload type to its handler; ``CARRIES`` says which payload types each topic the
agents read carries: anything else on it goes to the dead letters as ``unexpected_type``
(``messaging.delivery``), and a type it carries with no handler (``DossierKept``) is skipped."""

from functools import partial

from contracts import DossierKept, DossierRemoved, PieceStatusChanged, PieceSubmitted, topics
from messaging.consumer import Handler
from routing.context import RoutingContext
from routing.handlers.dossier_removed import on_dossier_removed
from routing.handlers.piece_submitted import on_piece_submitted
from routing.handlers.status_changed import on_status_changed

CARRIES: dict[str, tuple[type, ...]] = {
    topics.PIECES_SUBMITTED: (PieceSubmitted,),
    topics.PIECES_STATUS: (PieceStatusChanged,),
    topics.DOSSIERS_REMOVED: (DossierRemoved, DossierKept),
}


def handlers(ctx: RoutingContext) -> dict[type, Handler]:
    return {
        PieceSubmitted: partial(on_piece_submitted, ctx),
        PieceStatusChanged: partial(on_status_changed, ctx),
        DossierRemoved: partial(on_dossier_removed, ctx),
    }
