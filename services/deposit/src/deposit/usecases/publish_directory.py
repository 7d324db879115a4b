"""Publish structures again on the compacted ``travaux.structures`` topic (deposit owns the directory):
all of them when the broker lost the topic or on an administrator's demand, or those a pièce names when
routing keeps not deciding it. Each goes through the outbox, as any directory change does."""

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import StructureUpserted, make_event, topics
from deposit.bootstrap import SOURCE, DepositContext
from messaging.mongo import in_transaction

BATCH = 100


async def publish_structures(ctx: DepositContext, sirets: list[str]) -> int:
    """Announce ``sirets`` again (unknown ones are skipped); returns how many were announced."""
    announced = 0
    for start in range(0, len(sirets), BATCH):
        chunk = sirets[start : start + BATCH]

        async def work(session: AsyncClientSession, chunk: list[str] = chunk) -> int:
            count = 0
            for siret in chunk:
                structure = await ctx.directory.published(siret, session)
                if structure is not None:
                    event = make_event(StructureUpserted(structure=structure), source=SOURCE, subject=siret)
                    await ctx.outbox.add(event, session)
                    count += 1
            return count

        announced += await in_transaction(ctx.client, work)
    ctx.outbox.notify()
    return announced


async def publish_directory(ctx: DepositContext) -> int:
    """Announce every structure again, and remember under which topic id the directory is complete."""
    topic_id = ctx.runtime.broker.topic_id(topics.STRUCTURES)
    sirets = [s.siret for s in await ctx.directory.all()]
    count = await publish_structures(ctx, sirets)
    await ctx.publication.record(str(topic_id) if topic_id else None, count)
    return count
