"""When to try a mail again after a temporary SMTP failure: exponential backoff with jitter. Pure."""

import random
from datetime import datetime, timedelta


def backoff(attempts: int, base: float, cap: float, rand: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base × 2^(attempts-1), capped, of which a random
    half is kept (« equal jitter »), so a crowd of mails failing together does not retry together."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    draw = (rand or random).uniform(0, ceiling / 2)
    return timedelta(seconds=ceiling / 2 + draw)


def next_attempt(now: datetime, attempts: int, base: float, cap: float, rand: random.Random | None = None) -> datetime:
    return now + backoff(attempts, base, cap, rand)


def exhausted(attempts: int, max_attempts: int) -> bool:
    """Whether a mail that failed ``attempts`` times in a row is given up (and dead-lettered)."""
    return attempts >= max_attempts
