"""Publish structures again on the compacted ``travaux.structures`` topic (deposit owns the directory):
all of them when the broker lost the topic or on an administrator's demand, or those a pièce names when
routing keeps not deciding it. Each goes through the outbox, as any directory change does."""

from contracts import StructureUpserted, make_event, topics
from deposit.context import SOURCE, DepositContext, DepositTx

BATCH = 100


async def publish_structures(ctx: DepositContext, sirets: list[str]) -> int:
    """Announce ``sirets`` again (unknown ones are skipped); returns how many were announced."""
    announced = 0
    for start in range(0, len(sirets), BATCH):
        chunk = sirets[start : start + BATCH]

        async def work(tx: DepositTx, chunk: list[str] = chunk) -> int:
            count = 0
            for siret in chunk:
                structure = await tx.directory.published(siret)
                if structure is not None:
                    event = make_event(StructureUpserted(structure=structure), source=SOURCE, subject=siret)
                    tx.publish(event)
                    count += 1
            return count

        announced += await ctx.uow.run(work) or 0
    return announced


async def publish_directory(ctx: DepositContext) -> int:
    """Announce every structure again, and remember under which topic id the directory is complete."""
    assert ctx.runtime is not None
    topic_id = ctx.runtime.broker.topic_id(topics.STRUCTURES)
    sirets = [s.siret for s in await ctx.directory.all()]
    count = await publish_structures(ctx, sirets)
    await ctx.publication.record(str(topic_id) if topic_id else None, count)
    return count
