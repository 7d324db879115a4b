"""What the notification service does with each event it consumes: one place to read it."""

from functools import partial

from contracts import PieceStatusChanged, StructureUpserted
from messaging.consumer import Handler
from notification.bootstrap import NotificationContext
from notification.handlers.status_changed import on_status_changed
from notification.handlers.structure_upserted import on_structure_upserted


def handlers(ctx: NotificationContext) -> dict[type, Handler]:
    return {
        StructureUpserted: partial(on_structure_upserted, ctx),
        PieceStatusChanged: partial(on_status_changed, ctx),
    }
