"""Amounts: decimals with exactly two places, serialised as strings so no float ever rounds them."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

Montant = Annotated[
    Decimal,
    Field(max_digits=15, decimal_places=2, description='Amount with at most two decimal places, e.g. "1200.00"'),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
]

Taux = Annotated[
    Decimal,
    Field(max_digits=7, decimal_places=4, description='A rate in percent, e.g. "10.15"'),
    PlainSerializer(lambda v: f"{v.normalize():f}", return_type=str, when_used="json"),
]
