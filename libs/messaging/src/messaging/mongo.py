"""MongoDB access with pymongo's ``AsyncMongoClient`` (the successor of the deprecated motor)."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

T = TypeVar("T")


# A pooled connection idle this long is replaced rather than reused: SecantusDB closes a client idle for
# 300 s (proxies and firewalls do the like), and without retryable writes the next write on that socket
# failed, AutoReconnect, a 500 (eight concurrent deposits after a quiet spell in the suite).
MAX_IDLE_MS = 60_000


def make_client(uri: str) -> AsyncMongoClient:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000, maxIdleTimeMS=MAX_IDLE_MS)


async def in_transaction(
    client: AsyncMongoClient,
    work: Callable[[AsyncClientSession], Awaitable[T]],
    session: AsyncClientSession | None = None,
) -> T:
    """Run ``work`` in one multi-document transaction (retried by pymongo on transient errors), in
    ``session`` when the caller holds one (and ends it), else in a session of its own."""
    if session is not None:
        return await session.with_transaction(work)
    async with client.start_session() as own:
        return await own.with_transaction(work)


async def ping(database: AsyncDatabase) -> bool:
    try:
        await database.command("ping")
        return True
    except Exception:  # readiness probe: any failure means "not ready"
        return False
