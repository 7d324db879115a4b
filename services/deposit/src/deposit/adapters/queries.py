"""Read-side queries over the pièces collection: search, synthèse, tableau de bord, liste fiscale.

Every query starts from the caller's structures (``parties`` ∈ the caller's SIRETs, served by the
``(parties, deposee_le)`` index); habilitations limited to a service are then checked per pièce in
Python (``Principal.can_read`` / ``can_act``). Filters are built by pure functions, unit-tested. The
search itself is shared with the other services that show pièces (``readmodel.search``). Every pièce is
shown in the status the caller is shown (``readmodel.visibility``); the synthèse lists pièces waiting for
the caller's own action, which a mise en paiement (hidden or not) never is.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from pymongo import ASCENDING

from contracts import Cadre
from deposit.adapters.pieces import PieceStore, from_mongo
from readmodel import visibility
from readmodel.access import Principal
from readmodel.search import Page, SearchCriteria, _parties, _range, search_page

# The cadres that reach the service financier (routing puts them MISE_A_DISPOSITION_DESTINATAIRE):
# the pièces the liste fiscale lists.
PAYABLE_CADRES: tuple[Cadre, ...] = (Cadre.A6, Cadre.A8, Cadre.A16, Cadre.A19, Cadre.A23, Cadre.A24, Cadre.A25)

FISCAL_SORT = [("date_piece", ASCENDING), ("numero", ASCENDING), ("_id", ASCENDING)]

# What the tableau de bord needs of each pièce: what it counts, and what says which status the caller is shown.
DASHBOARD_PROJECTION = {
    **dict.fromkeys(("parties", "code_service", "cadre", "statut"), 1),
    **dict.fromkeys((*visibility.SUPPLIER_FIELDS, *visibility.BUYER_FIELDS, visibility.FLAG), 1),
    f"{visibility.SUPPLIER_VIEW}.statut": 1,
}


def pending_filter(modification_sirets: Iterable[str]) -> dict[str, Any]:
    """Pièces whose expected action falls to one of these structures."""
    return {"attente.siret": {"$in": sorted(set(modification_sirets))}}


def fiscal_filter(
    caller_sirets: Iterable[str], du: date | None = None, au: date | None = None, structure: str | None = None
) -> dict[str, Any]:
    """The payable pièces readable by the caller's structures, dated between ``du`` and ``au``."""
    query: dict[str, Any] = {
        "parties": _parties(caller_sirets, structure),
        "cadre": {"$in": [c.value for c in PAYABLE_CADRES]},
    }
    dated = _range(du.isoformat() if du else None, au.isoformat() if au else None)
    if dated:
        query["date_piece"] = dated
    return query


class ReadQueries:
    def __init__(self, store: PieceStore):
        self.pieces = store.pieces

    async def search(self, caller: Principal, criteria: SearchCriteria, page: int, size: int) -> Page:
        return await search_page(self.pieces, caller, criteria, page, size, decode=from_mongo)

    async def pending(self, caller: Principal) -> list[dict[str, Any]]:
        sirets = caller.modification_sirets()
        if not sirets:
            return []
        cursor = self.pieces.find(pending_filter(sirets)).sort([("updated_at", ASCENDING), ("_id", ASCENDING)])
        return [
            from_mongo(r)
            async for r in cursor
            if r.get("attente") and caller.can_act(r["attente"]["siret"], r.get("code_service"))
        ]

    async def dashboard_records(self, caller: Principal) -> list[dict[str, Any]]:
        sirets = caller.sirets()
        if not sirets:
            return []
        cursor = self.pieces.find({"parties": {"$in": sorted(sirets)}}, projection=DASHBOARD_PROJECTION)
        return [{**r, "statut": visibility.shown_statut(caller, r)} async for r in cursor]

    async def fiscal(
        self, caller: Principal, du: date | None, au: date | None, structure: str | None
    ) -> list[dict[str, Any]]:
        cursor = self.pieces.find(fiscal_filter(caller.sirets(), du, au, structure)).sort(FISCAL_SORT)
        return [
            visibility.as_seen_by(caller, from_mongo(r))
            async for r in cursor
            if caller.can_read(r["parties"], r.get("code_service"))
        ]
