"""Refusals the domain and the use cases give: a stable code, a French explanation and a *kind* — what
sort of refusal it is, not how a protocol says it. The HTTP side (``deposit.api.refusals``) turns a
refusal into an RFC 9457 problem document, its kind into a status."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RefusalKind(StrEnum):
    INVALID = "invalid"  # the request is well formed but its content breaks a rule
    MALFORMED = "malformed"  # the request cannot be read at all
    UNAUTHENTICATED = "unauthenticated"  # no caller, or an unknown one
    FORBIDDEN = "forbidden"  # the caller may not do this
    NOT_FOUND = "not_found"  # nothing by that name, as far as the caller may know
    CONFLICT = "conflict"  # the state of things does not allow it (now)
    GONE = "gone"  # it was there and moved away for good (to the archive)
    TOO_LARGE = "too_large"  # a file or the whole request exceeds a limit
    UNSUPPORTED_TYPE = "unsupported_type"  # a file is not of the type required


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    message: str


@dataclass
class Refusal(Exception):
    """A request refused with a reason. ``extensions`` are extra facts the answer carries (e.g. the
    actions the pièce allows); ``retry_after`` (seconds) says when asking again may succeed;
    ``moved_to`` where the thing now lives."""

    code: str
    title: str
    detail: str
    kind: RefusalKind = RefusalKind.INVALID
    errors: list[FieldError] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    retry_after: int | None = None
    moved_to: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def field_refusal(errors: list[FieldError], title: str, general_code: str) -> Refusal:
    """One refusal for several field errors: their code when they share one, else ``general_code``."""
    codes = {e.code for e in errors}
    code = codes.pop() if len(codes) == 1 else general_code
    return Refusal(code, title, "; ".join(f"{e.field} : {e.message}" for e in errors), RefusalKind.INVALID, errors)


__all__ = ["FieldError", "Refusal", "RefusalKind", "field_refusal"]
