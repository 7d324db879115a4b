"""Refusals the domain gives, each with a stable code and a French explanation (RFC 9457 on the wire)."""

from messaging.problems import FieldError, Problem

Refusal = Problem

__all__ = ["FieldError", "Refusal"]
