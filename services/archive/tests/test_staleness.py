"""Two calendar years without activity (docs/domain.md §8.3): the cutoff of the sweep."""

from datetime import UTC, datetime

import pytest

from archive.domain.staleness import cutoff, is_stale


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_cutoff_is_the_same_instant_two_calendar_years_earlier():
    assert cutoff(at(2026, 12, 1, 8, 30)) == at(2024, 12, 1, 8, 30)
    assert cutoff(at(2026, 12, 1), years=3) == at(2023, 12, 1)


def test_29_february_falls_back_to_28_february():
    assert cutoff(at(2028, 2, 29, 12)) == at(2026, 2, 28, 12)


@pytest.mark.parametrize(
    ("last_activity", "stale"),
    [
        (at(2024, 11, 30, 23, 59), True),
        (at(2024, 12, 1, 0, 0), False),  # exactly two years: not *more* than two years
        (at(2025, 6, 1), False),
        (at(2019, 1, 1), True),
    ],
)
def test_stale_means_more_than_two_years(last_activity, stale):
    assert is_stale(last_activity, at(2026, 12, 1)) is stale
