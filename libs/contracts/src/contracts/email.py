"""E-mail addresses: checked with ``email-validator`` (syntax only, no DNS), normalised to lower case so
that one mailbox is one account whatever its spelling."""

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field


def email_error(value: str) -> str | None:
    """Why ``value`` is not an e-mail address one can write to, in French, or None when it is."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"adresse électronique invalide : {exc}"
    return None


def normalized_email(value: str) -> str:
    """The address as accounts are keyed: validated, then lower-cased (raises ValueError if invalid)."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"adresse électronique invalide : {exc}") from None
    return checked.normalized.lower()


EmailAddress = Annotated[
    str,
    Field(
        max_length=254,
        description="An e-mail address (syntax checked, stored in lower case)",
        examples=["claire.durand@batiments-durand.example"],
    ),
    AfterValidator(normalized_email),
]
