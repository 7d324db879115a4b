"""A dossier left the active store for the archive: no deadline of it is left to watch (a dossier kept
active, ``DossierKept``, changes nothing here)."""

from typing import Any

from contracts import DossierRemoved, Envelope
from routing.context import RoutingContext


async def on_dossier_removed(ctx: RoutingContext, envelope: Envelope[Any]) -> None:
    removed: DossierRemoved = envelope.data
    await ctx.deadlines.forget(removed.dossier_id)
