"""The suite's tiers, named from where a test lives, and a summary of each tier's count and time.

- ``domain``: pure rules, no I/O (``libs/*/tests``, ``services/*/tests`` outside ``service/``);
- ``service``: use cases and handlers against in-memory fakes (``services/*/tests/service``);
- ``messaging``: ``libs/messaging``'s plumbing on the real broker and database (``tests/messaging``);
- ``e2e``: the services as processes over HTTP and Kafka (``tests/e2e``, ``tests/integration``, ``tests/*.py``);
- ``fault``: end to end, killing a service, the broker, the database or the SMTP server on the way.

``pytest -m service`` (etc.) runs one tier.
"""

from collections import defaultdict

import pytest

TIERS = ("domain", "service", "messaging", "e2e", "fault")
FAULT_FILES = ("_crash.py", "test_infrastructure_restart.py", "test_notification_delivery.py")


def tier_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/messaging/"):
        return "messaging"
    if path.startswith("tests/"):
        return "fault" if path.endswith(FAULT_FILES) else "e2e"
    if "/tests/service/" in path:
        return "service"
    return "domain"


def pytest_configure(config: pytest.Config) -> None:
    for tier in TIERS:
        config.addinivalue_line("markers", f"{tier}: a test of the {tier} tier (see conftest.py)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(tier_of(item.nodeid))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Per tier: how many tests ran and the time they took (summed over the workers, setup included)."""
    seconds: dict[str, float] = defaultdict(float)
    tests: dict[str, set[str]] = defaultdict(set)
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                tier = tier_of(report.nodeid)
                seconds[tier] += report.duration
                tests[tier].add(report.nodeid)
    if not tests:
        return
    terminalreporter.section("tiers")
    for tier in TIERS:
        if tests[tier]:
            terminalreporter.write_line(f"{tier:<10} {len(tests[tier]):>5} tests {seconds[tier]:>8.1f} s")
