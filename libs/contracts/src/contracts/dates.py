"""Dates as the API takes them: ISO 8601 calendar dates (``2026-11-20``) and nothing else — not a number of
seconds since 1970 (``0``), not a date and time — within years a works invoice can name (1900 to 2999,
which also keeps date arithmetic away from the calendar's ends)."""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def parse_iso_date(value: Any) -> date:
    """The date ``value`` writes as ``AAAA-MM-JJ``, or ValueError (in French)."""
    if isinstance(value, date) and not isinstance(value, datetime):  # built by our own code
        return value
    if not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        raise ValueError("date attendue au format AAAA-MM-JJ, par exemple 2026-11-20")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"« {value} » n'est pas une date du calendrier") from None
    if not EARLIEST <= parsed <= LATEST:
        raise ValueError(f"date hors de la plage admise ({EARLIEST.isoformat()} – {LATEST.isoformat()})")
    return parsed


IsoDate = Annotated[
    date,
    BeforeValidator(parse_iso_date, json_schema_input_type=str),
    Field(json_schema_extra={"format": "date"}),
]
