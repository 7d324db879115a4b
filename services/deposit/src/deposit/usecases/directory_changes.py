"""What every directory change shares: one transaction with its audit entry and its announcements, then
the token cache dropped and the relay woken."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import Structure, StructureUpserted, make_event
from deposit.bootstrap import SOURCE, DepositContext
from deposit.domain.errors import Refusal
from messaging.mongo import in_transaction

T = TypeVar("T")


async def write(ctx: DepositContext, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    result = await in_transaction(ctx.client, work)
    ctx.directory.forget_cached()
    ctx.outbox.notify()
    return result


async def announce(ctx: DepositContext, sirets: set[str], session: AsyncClientSession) -> None:
    """Publish the structures as the directory topic carries them (their contacts may have changed)."""
    for siret in sorted(sirets):
        structure = await ctx.directory.published(siret, session)
        if structure is not None:
            event = make_event(StructureUpserted(structure=structure), source=SOURCE, subject=siret)
            await ctx.outbox.add(event, session)


async def existing_structure(ctx: DepositContext, siret: str, service: str | None = None) -> Structure:
    """The structure, which must have ``service`` when one is named."""
    structure = await ctx.directory.get(siret)
    if structure is None:
        raise Refusal("structure_inconnue", "Structure inconnue", f"Aucune structure {siret}.", 404)
    if service is not None and service not in {s.code for s in structure.services}:
        raise Refusal("service_inconnu", "Service inconnu", f"La structure {siret} n'a pas de service {service}.")
    return structure
