"""The directory's request bodies take a boolean only as JSON's true or false, as their document says
(schemathesis found ``{"gestionnaire": 0}`` and ``{"active": 0}`` accepted)."""

import pytest
from pydantic import ValidationError

from deposit.api.directory_models import AccountUpdate, Approval, HabilitationInput, InvitationInput


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", "off"])
def test_a_flag_is_a_json_boolean(value):
    for model, body in [
        (HabilitationInput, {"profil": "CONSULTATION", "gestionnaire": value}),
        (InvitationInput, {"email": "a@b.example", "profil": "CONSULTATION", "gestionnaire": value}),
        (Approval, {"gestionnaire": value}),
        (AccountUpdate, {"active": value}),
    ]:
        with pytest.raises(ValidationError):
            model.model_validate(body)


def test_true_and_false_are_taken():
    assert HabilitationInput.model_validate({"profil": "MODIFICATION", "gestionnaire": True}).gestionnaire is True
    assert AccountUpdate.model_validate({"active": False}).active is False
