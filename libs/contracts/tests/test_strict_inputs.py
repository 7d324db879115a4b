"""Amounts and dates are taken only in the plain form a person writes them; nothing is guessed."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from contracts.dates import IsoDate
from contracts.events import Service, Structure
from contracts.money import Montant


class Amount(BaseModel):
    montant: Montant


class Day(BaseModel):
    jour: IsoDate


@pytest.mark.parametrize(
    "json_value, expected",
    [('"1200"', "1200"), ('"1200.5"', "1200.5"), ('"1200.50"', "1200.50"), ('"-3.10"', "-3.10"), ("1200", "1200")],
)
def test_plain_amounts_are_accepted(json_value, expected):
    assert Amount.model_validate_json(f'{{"montant": {json_value}}}').montant == Decimal(expected)


@pytest.mark.parametrize(
    "json_value",
    ['"1_000"', '"1E3"', '" 1 "', '"+5"', '".5"', '"1."', '"NaN"', '"Infinity"', '"1,5"', '""', "1200.5", "1e3",
     "true", '"10000.001"', '"1234567890123456"'],
)  # fmt: skip
def test_anything_else_is_refused(json_value):
    with pytest.raises(ValidationError):
        Amount.model_validate_json(f'{{"montant": {json_value}}}')


def test_amounts_serialise_as_strings_with_two_places():
    assert Amount(montant=Decimal("12")).model_dump_json() == '{"montant":"12.00"}'


def test_an_amount_computed_by_our_code_stays_accepted():
    assert Amount(montant=Decimal("40.00")).montant == Decimal("40.00")


@pytest.mark.parametrize("value", ["0", "0001-01-01", "20261120", "2026-11-20T10:00:00", "2026-02-30", "3000-01-01", 0])
def test_dates_are_iso_calendar_dates_in_a_sane_range(value):
    with pytest.raises(ValidationError):
        Day.model_validate({"jour": value})


def test_an_iso_date_is_accepted():
    assert Day.model_validate_json('{"jour": "2026-11-20"}').jour == date(2026, 11, 20)
    assert Day(jour=date(2026, 11, 20)).jour == date(2026, 11, 20)


@pytest.mark.parametrize("value", [0, 1, "true", "yes", "on", None])
def test_a_structures_flags_are_json_booleans_only(value):
    # Schemathesis found 0 taken for false (pydantic's lax booleans) where the document says boolean.
    base = {"siret": "73282932000074", "nom": "Durand", "email_contact": "contact@durand.example"}
    with pytest.raises(ValidationError):
        Structure.model_validate({**base, "publique": value})
    with pytest.raises(ValidationError):
        Service.model_validate({"code": "COMPTA", "libelle": "Comptabilité", "active": value})
    assert Structure.model_validate({**base, "publique": True}).publique is True
