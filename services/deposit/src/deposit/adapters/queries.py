"""Read-side queries over the pièces collection: search, synthèse, tableau de bord, liste fiscale.

Every query starts from the caller's structures (``parties`` ∈ the caller's SIRETs, served by the
``(parties, deposee_le)`` index); habilitations limited to a service are then checked per pièce in
Python (``Principal.can_read`` / ``can_act``). Filters are built by pure functions, unit-tested.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, DESCENDING

from contracts import Cadre, Role, Statut
from deposit.adapters.pieces import PieceStore, from_mongo
from deposit.domain.access import Principal

# Dates typed by a French user are days in metropolitan France.
PARIS = ZoneInfo("Europe/Paris")

# The cadres that reach the service financier (routing puts them MISE_A_DISPOSITION_DESTINATAIRE):
# the pièces the liste fiscale lists.
PAYABLE_CADRES: tuple[Cadre, ...] = (Cadre.A6, Cadre.A8, Cadre.A16, Cadre.A19, Cadre.A23, Cadre.A24, Cadre.A25)

# The pièce's field naming the structure that plays each role a search may filter on.
ROLE_FIELDS: dict[Role, str] = {
    Role.FOURNISSEUR: "fournisseur",
    Role.VALIDEUR: "valideur",
    Role.MOE: "moe",
    Role.MOA: "moa",
    Role.SERVICE_FINANCIER: "destinataire",
}

SEARCH_SORT = [("deposee_le", DESCENDING), ("_id", ASCENDING)]
FISCAL_SORT = [("date_piece", ASCENDING), ("numero", ASCENDING), ("_id", ASCENDING)]

# What the tableau de bord needs of each pièce.
DASHBOARD_PROJECTION = {"parties": 1, "code_service": 1, "cadre": 1, "statut": 1}


@dataclass(frozen=True)
class SearchCriteria:
    """The optional filters of ``GET /v1/pieces``; empty criteria select every readable pièce."""

    cadres: tuple[Cadre, ...] = ()
    statuts: tuple[Statut, ...] = ()
    numero: str | None = None
    numero_marche: str | None = None
    structure: str | None = None  # a SIRET that must be a party of the pièce
    role: Role | None = None  # the caller's structures (or `structure`) play this role in the pièce
    code_service: str | None = None
    depose_du: date | None = None
    depose_au: date | None = None
    date_du: date | None = None
    date_au: date | None = None
    montant_min: Decimal | None = None
    montant_max: Decimal | None = None


def day_start(day: date) -> datetime:
    """Midnight (Paris time) starting ``day``, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=PARIS)


def _range(low: Any, high: Any, high_op: str = "$lte") -> dict[str, Any] | None:
    bounds = {}
    if low is not None:
        bounds["$gte"] = low
    if high is not None:
        bounds[high_op] = high
    return bounds or None


def _parties(caller_sirets: Iterable[str], structure: str | None) -> dict[str, Any]:
    clause: dict[str, Any] = {"$in": sorted(caller_sirets)}
    if structure is not None:
        clause["$all"] = [structure]
    return clause


def search_filter(criteria: SearchCriteria, caller_sirets: Iterable[str]) -> dict[str, Any]:
    """The Mongo filter of a search: readable by the caller's structures, then every criterion given."""
    sirets = sorted(set(caller_sirets))
    query: dict[str, Any] = {"parties": _parties(sirets, criteria.structure)}
    if criteria.cadres:
        query["cadre"] = {"$in": sorted({c.value for c in criteria.cadres})}
    if criteria.statuts:
        query["statut"] = {"$in": sorted({s.value for s in criteria.statuts})}
    for name in ("numero", "numero_marche", "code_service"):
        value = getattr(criteria, name)
        if value is not None:
            query[name] = value
    if criteria.role is not None:
        field = ROLE_FIELDS[criteria.role]
        query[field] = criteria.structure if criteria.structure is not None else {"$in": sirets}
    deposee = _range(
        day_start(criteria.depose_du) if criteria.depose_du else None,
        day_start(criteria.depose_au + timedelta(days=1)) if criteria.depose_au else None,
        "$lt",
    )
    if deposee:
        query["deposee_le"] = deposee
    # date_piece is stored as an ISO string: string order is date order.
    dated = _range(
        criteria.date_du.isoformat() if criteria.date_du else None,
        criteria.date_au.isoformat() if criteria.date_au else None,
    )
    if dated:
        query["date_piece"] = dated
    amounts = _range(
        Decimal128(criteria.montant_min) if criteria.montant_min is not None else None,
        Decimal128(criteria.montant_max) if criteria.montant_max is not None else None,
    )
    if amounts:
        query["montant_ttc"] = amounts
    return query


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


def _service_limited(caller: Principal) -> bool:
    return any(h.service is not None for h in caller.habilitations)


@dataclass(frozen=True)
class Page:
    total: int
    records: list[dict[str, Any]]


class ReadQueries:
    def __init__(self, store: PieceStore):
        self.pieces = store.pieces

    async def search(self, caller: Principal, criteria: SearchCriteria, page: int, size: int) -> Page:
        query = search_filter(criteria, caller.sirets())
        if not _service_limited(caller):
            # Every pièce the filter selects is readable: Mongo pages and counts.
            total = await self.pieces.count_documents(query)
            cursor = self.pieces.find(query).sort(SEARCH_SORT).skip((page - 1) * size).limit(size)
            return Page(total, [from_mongo(r) async for r in cursor])
        # A habilitation limited to a service: readability is decided per pièce, so pages are cut here.
        start, total, kept = (page - 1) * size, 0, []
        async for record in self.pieces.find(query).sort(SEARCH_SORT):
            if not caller.can_read(record["parties"], record.get("code_service")):
                continue
            if start <= total < start + size:
                kept.append(from_mongo(record))
            total += 1
        return Page(total, kept)

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
        return [r async for r in cursor]

    async def fiscal(
        self, caller: Principal, du: date | None, au: date | None, structure: str | None
    ) -> list[dict[str, Any]]:
        cursor = self.pieces.find(fiscal_filter(caller.sirets(), du, au, structure)).sort(FISCAL_SORT)
        return [from_mongo(r) async for r in cursor if caller.can_read(r["parties"], r.get("code_service"))]
