"""The database killed (-9) in the middle of 300 deposits and started again as `make up` would: it keeps
its data on disk; while it is away, clients get 503 problems (never a 500) and retry with their
``Idempotency-Key``; readiness answers 503 within 2 s, 200 once it is back; every pièce reaches the MOE,
every e-mail goes once.
"""

import asyncio
import time

import pytest
import pytest_asyncio

from tests.support.outage import (
    PIECES,
    Depositor,
    assert_every_mail_once,
    assert_routed_to_the_moe,
    local,
    wait_readiness,
    wait_until_deposited,
)

pytestmark = pytest.mark.infrastructure_restart


@pytest_asyncio.fixture
async def stage(directory):
    """Structures created for this test: routing must learn them again after the broker forgot them."""
    return await directory.stage("Panne")


async def test_database_killed_during_300_deposits_then_restarted_answers_503_and_loses_nothing(
    system, stage, infrastructure
):
    processes = local(infrastructure)
    depositor = Depositor(stage)
    depositing = asyncio.create_task(depositor.run())
    await wait_until_deposited(depositor, PIECES // 3)
    try:
        await asyncio.to_thread(processes.kill_9, "mongodb")
        killed_at = len(depositor.deposited)
        outage = await wait_readiness(system, 503, timeout=15)
        deadline = time.monotonic() + 30
        while sum(n for (status, _), n in depositor.refusals.items() if status == 503) < 8:
            assert time.monotonic() < deadline, f"clients were not answered 503: {depositor.refusals}"
            await asyncio.sleep(0.1)  # clients are being told to come back later
    finally:
        await asyncio.to_thread(processes.start, "mongodb")  # its data survives on disk
    started = time.monotonic()
    await depositing
    await wait_readiness(system, 200, timeout=120)
    ready_again = time.monotonic() - started

    await assert_routed_to_the_moe(stage, depositor)
    await assert_every_mail_once(infrastructure, stage, depositor)
    print(
        f"\ndatabase kill -9 after {killed_at} deposits; readiness during the outage {outage}; ready again "
        f"{ready_again:.1f} s after the restart; answers other than 201: {dict(depositor.refusals)}"
    )
    assert 0 < killed_at < PIECES
    assert all(status in (503, "transport") for status, _ in depositor.refusals), depositor.refusals
