"""SIRET numbers: 14 digits with a Luhn check, except La Poste's establishments (SIREN 356000000),
whose SIRET digits sum to a multiple of 5 instead (INSEE rule)."""

from typing import Annotated

from pydantic import AfterValidator, Field

LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_error(value: str) -> str | None:
    """Why ``value`` is not a valid SIRET, in French, or None when it is."""
    if len(value) != 14 or not value.isdigit():
        return "un SIRET comporte exactement 14 chiffres"
    if value.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in value) % 5 != 0:
            return "SIRET de La Poste invalide (somme des chiffres non multiple de 5)"
        return None
    if not luhn_ok(value):
        return "clé de contrôle du SIRET invalide (algorithme de Luhn)"
    return None


def _check(value: str) -> str:
    error = siret_error(value)
    if error:
        raise ValueError(error)
    return value


Siret = Annotated[
    str,
    Field(description="SIRET: 14 digits, Luhn-checked (La Poste's exception applies)", examples=["73282932000074"]),
    AfterValidator(_check),
]
