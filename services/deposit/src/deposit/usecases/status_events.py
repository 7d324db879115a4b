"""Store a status change and announce it, in the caller's transaction: the one way a pièce moves."""

import uuid

from contracts import PieceStatusChanged, PieceSubmitted, Statut, SubmissionReason, make_event, new_event_id
from deposit.adapters.pieces import submission
from deposit.context import SOURCE, DepositContext, DepositTx
from deposit.domain.piece import StatusChange


def status_event(change: StatusChange) -> PieceStatusChanged:
    return PieceStatusChanged(
        previous_statut=change.previous,
        statut=change.new,
        changed_at=change.entry.at,
        piece=change.snapshot,
        expected_action=change.expected_action,
        action=change.entry.action,
        motif=change.entry.motif,
        commentaire=change.entry.comment,
        mise_en_paiement_masquee=change.hidden_from_supplier if change.new is Statut.MISE_EN_PAIEMENT else None,
    )


async def record_change(
    ctx: DepositContext,
    tx: DepositTx,
    change: StatusChange,
    *,
    cause: uuid.UUID | None = None,
    resubmit: SubmissionReason | None = None,
) -> None:
    """Apply ``change`` in ``tx`` and announce its events. With ``cause`` (the id of the event being
    handled) the events' ids derive from it, so a re-delivered cause produces the same events. With
    ``resubmit``, the pièce goes back to routing and waits for its decision (``soumission``)."""
    dossier_id = change.snapshot.dossier_id
    submitted = None
    if resubmit is not None:
        submitted_id = new_event_id(cause, f"submitted:{change.snapshot.piece_id}") if cause else None
        submitted = make_event(
            PieceSubmitted(reason=resubmit, piece=change.snapshot),
            source=SOURCE,
            subject=dossier_id,
            event_id=submitted_id,
        )
    after = ctx.settings.reconcile_after_seconds
    waiting = submission(str(submitted.id), resubmit.value, after) if submitted else None
    await tx.pieces.apply(change, waiting)
    status_id = new_event_id(cause, f"status:{change.snapshot.piece_id}") if cause else None
    tx.publish(make_event(status_event(change), source=SOURCE, subject=dossier_id, event_id=status_id))
    if submitted is not None:
        tx.publish(submitted)
