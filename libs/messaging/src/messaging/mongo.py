"""MongoDB access with pymongo's ``AsyncMongoClient`` (the successor of the deprecated motor)."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from messaging.tasks import within

T = TypeVar("T")


class DatabaseUnavailable(ConnectionFailure):
    """The database went away in the middle of a transaction (or while it committed: the outcome is then
    unknown). Not retried inside (pymongo would go on for two minutes): an HTTP request answers 503 and
    its client retries with its ``Idempotency-Key``; a consumer retries the event, deduplicated by its id."""


def make_client(uri: str) -> AsyncMongoClient:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000)


async def in_transaction(
    client: AsyncMongoClient,
    work: Callable[[AsyncClientSession], Awaitable[T]],
    session: AsyncClientSession | None = None,
) -> T:
    """Run ``work`` in one multi-document transaction, in ``session`` when the caller holds one, else in a
    session of its own. pymongo retries it on a conflict with another transaction; a database out of reach
    raises ``DatabaseUnavailable`` at once."""

    async def attempt(session: AsyncClientSession) -> T:
        try:
            result = await work(session)
            await session.commit_transaction()  # here, so that a lost connection is not retried for minutes
            return result
        except ConnectionFailure as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        except PyMongoError as exc:
            if exc.has_error_label("UnknownTransactionCommitResult"):
                raise DatabaseUnavailable(str(exc)) from exc
            raise

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
