"""When a dossier is untouched long enough to leave the active store (docs/domain.md §8.3: the portal's
« Archives » tab holds invoices not modified for more than two years)."""

from datetime import datetime


def years_before(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` calendar years earlier; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def cutoff(as_of: datetime, years: int = 2) -> datetime:
    """Dossiers whose last activity is strictly before this instant are due for the archive."""
    return years_before(as_of, years)


def is_stale(last_activity: datetime, as_of: datetime, years: int = 2) -> bool:
    return last_activity < cutoff(as_of, years)
