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


class BackgroundLoop:
    """A component that runs one named background task between ``start()`` and ``stop()``: its ``_run``."""

    task_name = "background"

    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        raise NotImplementedError


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
