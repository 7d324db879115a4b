import pytest_asyncio

from .support import World


@pytest_asyncio.fixture
async def world() -> World:
    return await World.build()
