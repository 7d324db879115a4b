"""Exports of the read side, pure: rows → CSV or XML bytes, and the tableau de bord's counts.

Rows are JSON-ready dicts (``model_dump(mode="json")``): strings, numbers, booleans, None, and
nested dicts (``attente``), which both formats flatten or nest the same way every time.
"""

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# French Excel opens `;`-separated files (the comma is the decimal separator) and detects UTF-8 by its BOM.
CSV_SEPARATOR = ";"
CSV_BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): it is prefixed with `'`.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry at all, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _flat(row: Mapping[str, Any], columns: Sequence[str]) -> list[str]:
    """The row's cells in ``columns`` order; a nested dict's member is the column ``parent.member``."""
    cells = []
    for column in columns:
        parent, _, member = column.partition(".")
        value = row.get(parent)
        if member:
            value = value.get(member) if isinstance(value, Mapping) else None
        cells.append(_cell(value))
    return cells


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A header line then one line per row, `;`-separated, quoted only where needed, UTF-8 with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(_flat(row, columns))
    return (CSV_BOM + buffer.getvalue()).encode("utf-8")


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, member in value.items():
            _append(element, key, member)
    elif isinstance(value, (list, tuple)):
        for member in value:
            _append(element, "element", member)
    else:
        element.text = _xml_text(value)


def to_xml(
    root: str, attributes: Mapping[str, Any], item: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> bytes:
    """``<root attr="..."><item><column>value</column>...</item>...</root>``; None is an empty element.

    ElementTree escapes ``<``, ``&``, ``>`` and quotes; characters XML cannot carry are dropped.
    """
    element = ET.Element(root, {k: _xml_text(v) or "" for k, v in attributes.items() if v is not None})
    for row in rows:
        child = ET.SubElement(element, item)
        for column in columns:
            _append(child, column, row.get(column))
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


# ---- tableau de bord ---------------------------------------------------------------------------------


@dataclass
class ServiceCounts:
    code_service: str | None
    cadres: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.cadres.values())


@dataclass
class StructureCounts:
    siret: str
    services: dict[str | None, ServiceCounts] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.services.values())


def cadre_order(cadre: str) -> tuple[int, str]:
    """A4 before A15 (numeric order of the cadres)."""
    digits = cadre[1:]
    return (int(digits), cadre) if digits.isdigit() else (10**6, cadre)


def _service_order(code: str | None) -> tuple[int, str]:
    return (1, "") if code is None else (0, code)  # "sans service" comes last


def dashboard_counts(
    records: Iterable[Mapping[str, Any]],
    sirets: Iterable[str],
    sees: Callable[[str, str | None], bool],
) -> list[StructureCounts]:
    """Pièces counted by structure → code service → cadre → statut.

    A pièce counts for each of ``sirets`` that is a party to it and through which ``sees(siret,
    code_service)`` (the caller's habilitation on that structure covers the pièce's service). A pièce
    without a code service counts on the ``None`` line ("sans service").
    """
    result = {siret: StructureCounts(siret) for siret in sorted(set(sirets))}
    for record in records:
        code_service = record.get("code_service") or None
        for siret in set(record.get("parties") or ()):
            counts = result.get(siret)
            if counts is None or not sees(siret, code_service):
                continue
            service = counts.services.setdefault(code_service, ServiceCounts(code_service))
            service.cadres[record["cadre"]][record["statut"]] += 1
    for counts in result.values():
        counts.services = {
            code: ServiceCounts(code, {c: s.cadres[c] for c in sorted(s.cadres, key=cadre_order)})
            for code, s in sorted(counts.services.items(), key=lambda item: _service_order(item[0]))
        }
    return list(result.values())
