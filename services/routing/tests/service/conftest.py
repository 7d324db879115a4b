"""The service tier: routing's handlers and sweep on in-memory adapters (``routing.adapters.memory``),
driven through the same delivery policy as the faust agents (``messaging.delivery``): no broker, no
database, milliseconds."""

import pytest

from .support import ROLES, Service, make_service, structure


@pytest.fixture
def service() -> Service:
    """Every party of the pièces known to the directory view."""
    return make_service(*(structure(role) for role in ROLES))
