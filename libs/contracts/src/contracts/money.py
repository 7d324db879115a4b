"""Amounts: decimals with exactly two places, serialised as strings so no float ever rounds them."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

Montant = Annotated[
    Decimal,
    Field(max_digits=15, decimal_places=2, description='Amount with at most two decimal places, e.g. "1200.00"'),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
]
