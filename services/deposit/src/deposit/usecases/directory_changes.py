"""What every directory change shares: one transaction with its audit entry and its announcements, then
the token cache dropped and the relay woken."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from contracts import Structure, StructureUpserted, make_event
from deposit.context import SOURCE, DepositContext, DepositTx
from deposit.domain.errors import Refusal, RefusalKind

T = TypeVar("T")


async def write(ctx: DepositContext, work: Callable[[DepositTx], Awaitable[T]]) -> T:
    result = await ctx.uow.run(work)
    ctx.directory.forget_cached()
    return result  # type: ignore[return-value]  # no claim: the work ran


async def announce(tx: DepositTx, sirets: set[str]) -> None:
    """Publish the structures as the directory topic carries them (their contacts may have changed)."""
    for siret in sorted(sirets):
        structure = await tx.directory.published(siret)
        if structure is not None:
            event = make_event(StructureUpserted(structure=structure), source=SOURCE, subject=siret)
            tx.publish(event)


async def existing_structure(ctx: DepositContext, siret: str, service: str | None = None) -> Structure:
    """The structure, which must have ``service`` when one is named."""
    structure = await ctx.directory.get(siret)
    if structure is None:
        raise Refusal("structure_inconnue", "Structure inconnue", f"Aucune structure {siret}.", RefusalKind.NOT_FOUND)
    if service is not None and service not in {s.code for s in structure.services}:
        raise Refusal("service_inconnu", "Service inconnu", f"La structure {siret} n'a pas de service {service}.")
    return structure
