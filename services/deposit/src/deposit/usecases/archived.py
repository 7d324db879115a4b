"""Answers about pièces and dossiers that moved to the archive: 410 with the archive's link to the parties
that could read them (404 to anyone else: the existence of a dossier stays private), and a refusal to file
a pièce after an archived one."""

from typing import Any

from deposit.context import DepositContext
from deposit.domain.errors import Refusal, RefusalKind
from readmodel.access import Principal


def _gone(
    code: str, title: str, detail: str, tombstone: dict[str, Any], kind: RefusalKind = RefusalKind.GONE
) -> Refusal:
    location = tombstone["location"]
    return Refusal(
        code,
        title,
        f"{detail} Inchangé depuis plus de deux ans, le dossier {tombstone['_id']} a été déplacé aux archives, "
        f"où il reste consultable : {location}",
        kind,
        extensions={"archive_url": location, "dossier_id": tombstone["_id"]},
        moved_to=location,
    )


async def archived_piece_refusal(
    ctx: DepositContext, caller: Principal, piece_id: str, *, as_previous: bool = False
) -> Refusal | None:
    """The refusal for an archived pièce the caller could read; None if it was not archived or not theirs."""
    found = await ctx.archived.of_piece(piece_id)
    if found is None or not caller.can_read(found[1]["parties"], found[1].get("code_service")):
        return None
    if as_previous:
        return _gone(
            "piece_precedente_archivee",
            "Pièce précédente archivée",
            f"Aucune pièce ne peut plus être déposée à la suite de la pièce {piece_id}.",
            found[0],
            RefusalKind.CONFLICT,
        )
    return _gone("piece_archivee", "Pièce archivée", f"La pièce {piece_id} n'est plus dans le stock actif.", found[0])


async def archived_dossier_refusal(ctx: DepositContext, caller: Principal, dossier_id: str) -> Refusal | None:
    tombstone = await ctx.archived.of_dossier(dossier_id)
    if tombstone is None or not any(caller.can_read(p["parties"], p.get("code_service")) for p in tombstone["pieces"]):
        return None
    return _gone(
        "dossier_archive", "Dossier archivé", f"Le dossier {dossier_id} n'est plus dans le stock actif.", tombstone
    )
