"""MongoDB access with pymongo's ``AsyncMongoClient`` (the successor of the deprecated motor)."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from messaging.tasks import within

T = TypeVar("T")


# A connection dropped in the middle of a transaction is retried this long (pymongo runs the transaction
# again, or commits again: a commit is idempotent), then the database counts as away.
TRANSIENT_GRACE_SECONDS = 3.0


class DatabaseUnavailable(ConnectionFailure):
    """The database went away in the middle of a transaction (or while it committed: the outcome is then
    unknown) for longer than ``TRANSIENT_GRACE_SECONDS``. Not retried longer (pymongo would go on for two
    minutes): an HTTP request answers 503 and its client retries with its ``Idempotency-Key``; a consumer
    retries the event, deduplicated by its id."""


# A pooled connection idle this long is replaced rather than reused: SecantusDB closes a client idle for
# 300 s (proxies and firewalls do the like), and without retryable writes the next write on that socket
# failed, AutoReconnect, a 500 (eight concurrent deposits after a quiet spell in the suite).
MAX_IDLE_MS = 60_000


def make_client(uri: str) -> AsyncMongoClient:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000, maxIdleTimeMS=MAX_IDLE_MS)


NO_SUCH_TRANSACTION = 251


def _lost_transaction(exc: PyMongoError) -> bool:
    return isinstance(exc, OperationFailure) and exc.code == NO_SUCH_TRANSACTION


async def in_transaction(
    client: AsyncMongoClient,
    work: Callable[[AsyncClientSession], Awaitable[T]],
    session: AsyncClientSession | None = None,
) -> T:
    """Run ``work`` in one multi-document transaction, in ``session`` when the caller holds one, else in a
    session of its own. pymongo retries it on a conflict with another transaction, and on a dropped
    connection for ``TRANSIENT_GRACE_SECONDS``; a database out of reach longer raises ``DatabaseUnavailable``."""
    started = time.monotonic()

    def in_grace() -> bool:
        return time.monotonic() - started < TRANSIENT_GRACE_SECONDS

    async def attempt(session: AsyncClientSession) -> T:
        try:
            result = await work(session)
        except DatabaseUnavailable:
            raise
        except PyMongoError as exc:
            # A dropped connection, or a transaction the server no longer knows (it restarted): pymongo runs
            # the transaction again, within the grace; then the database counts as away (pymongo alone would
            # go on silently for two minutes). A write conflict is waited out as pymongo does: that is another
            # transaction at work on the same documents, not the database away.
            if not (isinstance(exc, ConnectionFailure) or _lost_transaction(exc)) or in_grace():
                raise
            raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc
        while True:  # the commit here, so that a lost connection is not retried for minutes
            try:
                await session.commit_transaction()
                return result
            except PyMongoError as exc:
                if not (exc.has_error_label("UnknownTransactionCommitResult") or isinstance(exc, ConnectionFailure)):
                    raise
                if not in_grace():
                    raise DatabaseUnavailable(str(exc)) from exc
                await asyncio.sleep(0.1)  # commit again: the same transaction, committed at most once

    if session is not None:
        return await session.with_transaction(attempt)
    async with client.start_session() as own:
        return await own.with_transaction(attempt)


async def ping(database: AsyncDatabase, timeout: float = 1.5) -> bool:
    """The database answers within ``timeout`` seconds (a readiness probe: never waits longer)."""

    async def command() -> bool:
        await database.command("ping")
        return True

    return await within(command(), timeout, False)
