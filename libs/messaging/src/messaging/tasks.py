"""Background asyncio tasks."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Stop a background task and wait until it has really stopped."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def within(awaitable: Awaitable[T], seconds: float, default: T) -> T:
    """``awaitable``'s result, or ``default`` if it takes longer than ``seconds`` or fails.

    Unlike ``asyncio.wait_for``, the answer never waits for the late work to finish cancelling (a
    driver stuck on a dead server may take its time): a health probe answers on time.
    """
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        task.add_done_callback(_quiet)
        return default
    if task.cancelled() or task.exception() is not None:
        return default
    return task.result()


def _quiet(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" warning
