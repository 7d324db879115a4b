"""The deposit's size limits are checked together at startup: a file its own limit accepts always fits the
total of a deposit."""

import pytest
from pydantic import ValidationError

from deposit.settings import MIB, DepositSettings


def test_the_defaults_are_coherent():
    settings = DepositSettings()

    assert settings.max_document_bytes <= settings.max_deposit_bytes == 24 * MIB
    assert settings.max_attachment_bytes <= settings.max_deposit_bytes


@pytest.mark.parametrize(
    "limits, named",
    [
        ({"max_deposit_bytes": 10 * MIB}, "MAX_DOCUMENT_BYTES"),
        ({"max_attachment_bytes": 30 * MIB}, "MAX_ATTACHMENT_BYTES"),
        ({"max_deposit_bytes": 0}, "MAX_DEPOSIT_BYTES"),
    ],
)
def test_a_file_limit_above_the_total_stops_the_service_at_startup(limits, named):
    with pytest.raises(ValidationError, match=named):
        DepositSettings(**limits)
