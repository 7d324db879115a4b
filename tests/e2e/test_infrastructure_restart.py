"""The broker killed (-9) in the middle of 300 deposits and started again as `make up` would: no manual
step, and every pièce reaches the MOE, every e-mail goes once. The local broker keeps everything in memory:
it comes back with no topic, no record, no consumer group. The services create the topics again, re-publish
the events it lost (outbox), re-drive what did not happen (reconciler), publish the directory again, and read
the new topics from the start. Readiness answers 503 within 2 s while it is away, 200 once it is back.
(The database's restart is in test_database_restart.py: a file each, so that two workers run them at once.)
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


async def test_broker_killed_during_300_deposits_then_restarted_loses_nothing(system, stage, infrastructure):
    processes = local(infrastructure)
    depositor = Depositor(stage)
    depositing = asyncio.create_task(depositor.run())
    await wait_until_deposited(depositor, PIECES // 3)
    try:
        await asyncio.to_thread(processes.kill_9, "kafka")
        killed_at = len(depositor.deposited)
        outage = await wait_readiness(system, 503, timeout=15)
        await wait_until_deposited(depositor, 2 * PIECES // 3)  # deposits go on: they need only the database
    finally:
        await asyncio.to_thread(processes.start, "kafka")  # empty: no topic, no record, no group
    await depositing
    started = time.monotonic()
    await wait_readiness(system, 200, timeout=120)
    ready_again = time.monotonic() - started

    await assert_routed_to_the_moe(stage, depositor)
    all_routed = time.monotonic() - started
    await assert_every_mail_once(infrastructure, stage, depositor)
    print(
        f"\nbroker kill -9 after {killed_at} deposits; readiness during the outage {outage}; ready again "
        f"{ready_again:.1f} s and all {PIECES} at the MOE {all_routed:.1f} s after the restart; "
        f"answers other than 201: {dict(depositor.refusals)}"
    )
    assert 0 < killed_at < PIECES
