"""Backoff with jitter after a temporary SMTP failure, and when a mail is given up."""

import random
from datetime import timedelta

import pytest

from notification.domain.retries import backoff, exhausted


@pytest.mark.parametrize("attempts, ceiling", [(1, 1), (2, 2), (3, 4), (4, 8), (7, 60), (30, 60)])
def test_the_wait_doubles_up_to_the_cap_and_keeps_a_random_half(attempts, ceiling):
    rand = random.Random(attempts)
    waits = [backoff(attempts, base=1, cap=60, rand=rand) for _ in range(200)]
    assert all(timedelta(seconds=ceiling / 2) <= w <= timedelta(seconds=ceiling) for w in waits)
    assert len(set(waits)) > 150  # jitter: mails failing together do not come back together


def test_a_mail_is_given_up_after_the_maximum_attempts():
    assert not exhausted(9, 10) and exhausted(10, 10)
