"""The pièce search of ``GET /v1/pieces``, over any collection of pièce records.

A search starts from the caller's structures (``parties`` ∈ the caller's SIRETs, served by the
``(parties, deposee_le)`` index); habilitations limited to a service are then checked per pièce in
Python (``Principal.can_read``). The filter is built by a pure function, unit-tested. Each pièce is
found and shown in the status the caller is shown (``readmodel.visibility``: a mise en paiement hidden
from the supplier side).

A pièce record holds at least ``parties`` (the SIRETs of its dossier's parties), ``code_service``,
``cadre``, ``statut``, ``numero``, ``numero_marche``, the structures of each role (``fournisseur``,
``valideur``, ``moe``, ``moa``, ``destinataire``), ``deposee_le`` (datetime), ``date_piece`` (ISO string)
and ``montant_ttc`` (Decimal128).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from contracts import Cadre, Role, Statut
from readmodel.access import Principal
from readmodel.visibility import as_seen_by, shown_statut, statut_filter

# Dates typed by a French user are days in metropolitan France.
PARIS = ZoneInfo("Europe/Paris")

# The pièce's field naming the structure that plays each role a search may filter on.
ROLE_FIELDS: dict[Role, str] = {
    Role.FOURNISSEUR: "fournisseur",
    Role.VALIDEUR: "valideur",
    Role.MOE: "moe",
    Role.MOA: "moa",
    Role.SERVICE_FINANCIER: "destinataire",
}

SEARCH_SORT = [("deposee_le", DESCENDING), ("_id", ASCENDING)]


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


def search_filter(criteria: SearchCriteria, caller_sirets: Iterable[str], exact_statut: bool = True) -> dict[str, Any]:
    """The Mongo filter of a search: readable by the caller's structures, then every criterion given. A status
    is the one the caller is shown (``readmodel.visibility``); ``exact_statut=False`` selects a superset, for a
    caller whose pièces are then checked one by one."""
    sirets = sorted(set(caller_sirets))
    query: dict[str, Any] = {"parties": _parties(sirets, criteria.structure)}
    if criteria.cadres:
        query["cadre"] = {"$in": sorted({c.value for c in criteria.cadres})}
    if criteria.statuts:
        query.update(statut_filter((s.value for s in criteria.statuts), sirets, exact_statut))
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


def with_clauses(query: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """``query`` AND ``extra``: merged when they constrain different fields, else joined by ``$and``."""
    if not extra:
        return query
    if query.keys().isdisjoint(extra.keys()):
        return {**query, **extra}
    return {"$and": [query, extra]}


def _service_limited(caller: Principal) -> bool:
    return any(h.service is not None for h in caller.habilitations)


@dataclass(frozen=True)
class Page:
    total: int
    records: list[Any]  # what ``decode`` made of each record (the raw record by default)


def _as_is(record: dict[str, Any]) -> Any:
    return record


async def search_page(
    collection: AsyncCollection,
    caller: Principal,
    criteria: SearchCriteria,
    page: int,
    size: int,
    *,
    extra: dict[str, Any] | None = None,
    decode: Callable[[dict[str, Any]], Any] = _as_is,
) -> Page:
    """Page ``page`` (from 1) of ``size`` pièces the caller may read among those ``criteria`` select, most
    recently deposited first, with the total count. ``extra``: more Mongo clauses every pièce must match;
    ``decode`` turns each kept record into what the page holds."""
    exact = not _service_limited(caller)
    query = with_clauses(search_filter(criteria, caller.sirets(), exact_statut=exact), extra)
    if exact:
        # Every pièce the filter selects is readable, in the status it is shown: Mongo pages and counts.
        total = await collection.count_documents(query)
        cursor = collection.find(query).sort(SEARCH_SORT).skip((page - 1) * size).limit(size)
        return Page(total, [decode(as_seen_by(caller, r)) async for r in cursor])
    # A habilitation limited to a service: readability (and the status shown) is decided per pièce, so pages
    # are cut here.
    statuts = {s.value for s in criteria.statuts}
    start, total, kept = (page - 1) * size, 0, []
    async for record in collection.find(query).sort(SEARCH_SORT):
        if not caller.can_read(record["parties"], record.get("code_service")):
            continue
        if statuts and shown_statut(caller, record) not in statuts:
            continue
        if start <= total < start + size:
            kept.append(decode(as_seen_by(caller, record)))
        total += 1
    return Page(total, kept)
