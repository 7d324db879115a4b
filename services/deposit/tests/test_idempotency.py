"""What an Idempotency-Key on record means for a new request carrying it."""

from datetime import UTC, datetime, timedelta

import pytest

from deposit.domain.idempotency import Abandoned, InFlight, KeyReused, Replay, decide, retry_after

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def reservation(lease_left: float, request_hash: str = "h1") -> dict:
    return {"request_hash": request_hash, "owner": "o1", "lease_until": NOW + timedelta(seconds=lease_left)}


def test_a_completed_request_is_replayed():
    record = {**reservation(-100), "status": 201, "body": {"piece_id": "p1"}}
    assert decide(record, "h1", NOW) == Replay(201, {"piece_id": "p1"})


def test_another_request_with_the_key_is_refused_even_while_the_first_works():
    assert decide({**reservation(0), "status": 201, "body": {}}, "h2", NOW) == KeyReused()
    assert decide(reservation(30), "h2", NOW) == KeyReused()


def test_a_reservation_whose_lease_runs_is_in_flight():
    assert decide(reservation(12.5), "h1", NOW) == InFlight(12.5)


@pytest.mark.parametrize("lease_left", [0, -0.001, -3600])
def test_a_reservation_whose_lease_ran_out_is_abandoned(lease_left):
    assert decide(reservation(lease_left), "h1", NOW) == Abandoned()


def test_a_record_of_the_former_layout_is_a_completed_one():
    earlier = {"request_hash": "h1", "status": 200, "body": {"statut": "REFUSEE_MOE"}, "created_at": NOW}
    assert decide(earlier, "h1", NOW) == Replay(200, {"statut": "REFUSEE_MOE"})


@pytest.mark.parametrize(
    ("remaining", "wait", "expected"),
    [(0.2, 5, 1), (2.1, 5, 3), (40, 5, 5), (40, 0.5, 1)],
)
def test_retry_after_is_the_lease_end_when_near_else_one_more_wait(remaining, wait, expected):
    assert retry_after(InFlight(remaining), wait) == expected
