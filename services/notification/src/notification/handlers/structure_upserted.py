"""Keep this service's directory copy current: the latest announcement of each structure wins, whatever
order they come in (a re-delivered or re-read older one changes nothing)."""

from typing import Any

from contracts import Envelope, StructureUpserted
from notification.context import NotificationContext


async def on_structure_upserted(ctx: NotificationContext, envelope: Envelope[Any]) -> None:
    event: StructureUpserted = envelope.data
    await ctx.structures.upsert(event.structure, envelope.time)
