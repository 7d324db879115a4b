"""The bearer header and the refusals every service answers before resolving anything: pure, no I/O."""

import pytest

from messaging.problems import Problem
from readmodel.access import Principal
from readmodel.auth import admin_only, authenticate, bearer_token
from readmodel.principals import Principals


@pytest.mark.parametrize(
    "header, token",
    [
        ("Bearer tvx_abc", "tvx_abc"),
        ("bearer  tvx_abc ", "tvx_abc"),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("", None),
        (None, None),
    ],
)
def test_the_token_of_an_authorization_header(header, token):
    assert bearer_token(header) == token


async def test_no_token_is_refused_before_asking_the_directory():
    never_reached = Principals("http://127.0.0.1:9", cache_seconds=0)  # a port nothing listens on
    with pytest.raises(Problem) as refused:
        await authenticate(never_reached, None)
    assert (refused.value.status, refused.value.code) == (401, "authentification_requise")
    assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_directory_that_does_not_answer_is_a_503_with_retry_after_never_a_refusal():
    away = Principals("http://127.0.0.1:9", cache_seconds=5, timeout=1.0)  # connection refused at once
    try:
        with pytest.raises(Problem) as failed:
            await authenticate(away, "tvx_anything")
    finally:
        await away.close()
    assert (failed.value.status, failed.value.code) == (503, "annuaire_indisponible")
    assert failed.value.headers["Retry-After"] == "5"


def test_only_the_administrator_passes_admin_only():
    admin = Principal("admin@x.fr", "Admin", admin=True)
    assert admin_only(admin) is admin
    with pytest.raises(Problem) as refused:
        admin_only(Principal("u@x.fr", "U"))
    assert (refused.value.status, refused.value.code) == (403, "acces_refuse")
