"""What the notification service does with each event it consumes: one place to read it."""

from functools import partial

from contracts import (
    AccountCodeIssued,
    DeadlineReached,
    DossierRemoved,
    LatePaymentPenalties,
    PieceStatusChanged,
    StructureUpserted,
)
from messaging.consumer import Handler
from notification.context import NotificationContext
from notification.handlers.account_code import on_account_code
from notification.handlers.deadline_reached import on_deadline
from notification.handlers.dossier_removed import on_dossier_removed
from notification.handlers.status_changed import on_status_changed
from notification.handlers.structure_upserted import on_structure_upserted


def handlers(ctx: NotificationContext) -> dict[type, Handler]:
    return {
        StructureUpserted: partial(on_structure_upserted, ctx),
        PieceStatusChanged: partial(on_status_changed, ctx),
        DeadlineReached: partial(on_deadline, ctx),
        LatePaymentPenalties: partial(on_deadline, ctx),
        DossierRemoved: partial(on_dossier_removed, ctx),
        AccountCodeIssued: partial(on_account_code, ctx),
    }
