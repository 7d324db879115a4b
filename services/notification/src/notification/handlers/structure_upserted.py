"""Keep this service's directory copy current (idempotent: the latest state replaces the record)."""

from typing import Any

from contracts import Envelope, StructureUpserted
from notification.bootstrap import NotificationContext


async def on_structure_upserted(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    event: StructureUpserted = envelope.data
    await ctx.structures.upsert(event.structure)
