"""Amounts: decimals with exactly two places, serialised as strings so no float ever rounds them.

An amount is written the plain way: ``"1200"``, ``"1200.5"``, ``"1200.50"``, ``"-3.10"`` (a JSON string, or
a JSON integer). Anything a person would not write on an invoice is refused rather than guessed:
``"1_000"``, ``"1E3"``, ``" 1 "``, ``"+5"``, ``".5"``, ``"NaN"``, ``"Infinity"``, and JSON floats
(``1200.5`` as a number), whose binary value is not the decimal the sender typed.
"""

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")


def parse_montant(value: Any) -> Decimal:
    """The amount ``value`` writes, or ValueError (in French) when it is not written the plain way."""
    if isinstance(value, Decimal) and value.is_finite():  # computed by our own code
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and PLAIN_DECIMAL.fullmatch(value):
        return Decimal(value)
    if isinstance(value, float):
        raise ValueError(
            'montant à écrire en chaîne de caractères, par exemple "1200.50" (un nombre JSON à virgule est refusé)'
        )
    raise ValueError('montant invalide : chiffres, au plus deux décimales après un point, par exemple "1200.50"')


Montant = Annotated[
    Decimal,
    BeforeValidator(parse_montant, json_schema_input_type=str),
    Field(
        max_digits=15,
        decimal_places=2,
        description='Amount with at most two decimal places, written as a string, e.g. "1200.00"',
        json_schema_extra={"pattern": f"^{PLAIN_DECIMAL.pattern}$"},
    ),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
]

Taux = Annotated[
    Decimal,
    Field(max_digits=7, decimal_places=4, description='A rate in percent, e.g. "10.15"'),
    PlainSerializer(lambda v: f"{v.normalize():f}", return_type=str, when_used="json"),
]
