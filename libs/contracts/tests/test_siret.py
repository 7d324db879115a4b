import pytest
from pydantic import TypeAdapter, ValidationError

from contracts import Siret, siret_error

SIRET = TypeAdapter(Siret)


@pytest.mark.parametrize("value", ["73282932000074", "44306184100047", "21750001600019", "35600000009075"])
def test_valid_sirets(value):
    assert siret_error(value) is None
    assert SIRET.validate_python(value) == value


@pytest.mark.parametrize(
    "value, reason",
    [
        ("73282932000075", "Luhn"),
        ("7328293200007", "14 chiffres"),
        ("732829320000744", "14 chiffres"),
        ("7328293200007A", "14 chiffres"),
        ("35600000009076", "La Poste"),  # La Poste: digit sum must be a multiple of 5
    ],
)
def test_invalid_sirets_say_why(value, reason):
    assert reason in siret_error(value)
    with pytest.raises(ValidationError, match=reason):
        SIRET.validate_python(value)
