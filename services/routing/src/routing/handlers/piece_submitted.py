"""A pièce was submitted (deposited, completed or recycled): decide who receives it and publish the
decision on ``travaux.pieces.routed`` — the recipient and status, or a routing error the issuer can fix.

A pièce naming a structure the directory view does not know *waits* for it (deposit checked that it
exists: the view is behind) and is decided as soon as the view learns it (``route_waiting``); never a
``structure_inconnue`` error. A re-delivered submission yields the same decision event id."""

import logging
from typing import Any

from contracts import Envelope, PieceRouted, PieceSubmitted, Recipient, Statut, make_event, new_event_id, topics
from messaging.consumer import persistently
from routing.context import SOURCE, RoutingContext
from routing.domain.routes import Route, RoutingError, decide
from routing.metrics import DECISIONS, DIRECTORY_WAITS, ROUTING_ERRORS

log = logging.getLogger(__name__)


def decision_for(submitted: PieceSubmitted, submitted_id: str, outcome: Route | RoutingError) -> PieceRouted:
    piece = submitted.piece
    about = {"piece_id": piece.piece_id, "dossier_id": piece.dossier_id, "submitted_event_id": submitted_id}
    if isinstance(outcome, Route):
        DECISIONS.labels(piece.cadre.value, "routed").inc()
        return PieceRouted(**about, statut=outcome.statut, recipient=Recipient(role=outcome.role, siret=outcome.siret))
    DECISIONS.labels(piece.cadre.value, "error").inc()
    ROUTING_ERRORS.labels(outcome.code).inc()
    return PieceRouted(**about, statut=Statut.ERREUR_ACHEMINEMENT, error_code=outcome.code, error_detail=outcome.detail)


async def route(ctx: RoutingContext, envelope: Envelope[Any]) -> bool:
    """Publish the decision on a submission; False when it names a structure the view does not know yet,
    which then waits for it."""
    submitted: PieceSubmitted = envelope.data
    piece_id = submitted.piece.piece_id
    outcome = decide(submitted.piece, submitted.reason, ctx.directory)
    if isinstance(outcome, RoutingError) and outcome.code == "structure_inconnue":
        if piece_id not in ctx.waiting:
            DIRECTORY_WAITS.inc()
            log.warning("pièce %s waits for a structure the directory view lacks: %s", piece_id, outcome.detail)
        ctx.waiting.wait(piece_id, envelope)
        return False
    ctx.waiting.done(piece_id, envelope)
    decision = decision_for(submitted, str(envelope.id), outcome)
    routed = make_event(
        decision, source=SOURCE, subject=decision.dossier_id, event_id=new_event_id(envelope.id, "routed")
    )
    await ctx.publisher.publish(topics.PIECES_ROUTED, routed.key, routed.to_bytes())
    return True


async def on_piece_submitted(ctx: RoutingContext, envelope: Envelope[Any]) -> None:
    await ctx.directory.loaded.wait()  # never decide on a view still loading
    await route(ctx, envelope)


def refresh_if_stale(ctx: RoutingContext, now: float) -> bool:
    """A pièce has waited longer than ``directory_refresh_seconds`` for a structure deposit says exists
    (and announces again meanwhile), and the view was not read anew for as long: have it read the topic
    again with a new consumer. True when asked."""
    after = ctx.settings.directory_refresh_seconds
    waited = ctx.waiting.longest(now)
    if waited < after or now - ctx.directory.refreshed_at < after:
        return False
    ctx.directory.refresh(f"a pièce has waited {waited:.0f} s for a structure")
    return True


async def route_waiting(ctx: RoutingContext) -> None:
    """The directory view learnt something: decide the pièces that were waiting for it (those still
    missing a structure wait on)."""
    for envelope in ctx.waiting.envelopes():
        await persistently("waiting pièce", route, ctx, envelope)
