"""Background asyncio tasks."""

import asyncio


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Stop a background task and wait until it has really stopped."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
