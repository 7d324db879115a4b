"""What every MongoDB adapter shares: unbound (``session`` None) for reads outside a transaction, and
``within(session)``, the same store bound to a transaction (the unit of work's ``bind`` calls it)."""

import copy
from typing import Self

from pymongo.asynchronous.client_session import AsyncClientSession


class Bound:
    session: AsyncClientSession | None = None

    def within(self, session: AsyncClientSession) -> Self:
        bound = copy.copy(self)
        bound.session = session
        return bound
