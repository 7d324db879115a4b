"""Access rules over habilitations, and the caller rebuilt from deposit's ``GET /v1/moi``: pure, no I/O."""

import pytest

from contracts import Profil
from readmodel.access import Habilitation, Principal, principal_from_user

FOURNISSEUR, MOE, MOA, DESTINATAIRE = "73282932000074", "44306184100047", "21750001600019", "35600000009075"


def test_access_rules():
    user = Principal(
        "u@x.fr",
        "U",
        habilitations=(
            Habilitation(MOE, Profil.MODIFICATION),
            Habilitation(MOA, Profil.CONSULTATION),
            Habilitation(DESTINATAIRE, Profil.MODIFICATION, service="COMPTA"),
        ),
    )
    assert user.can_read([FOURNISSEUR, MOE], None) and user.can_act(MOE, None)
    assert user.can_read([MOA], None) and not user.can_act(MOA, None)  # consultation reads, does not act
    assert not user.can_read([FOURNISSEUR], None) and not user.can_act(FOURNISSEUR, None)
    assert user.can_read([DESTINATAIRE], "COMPTA") and not user.can_read([DESTINATAIRE], "TRAVAUX")
    assert user.can_act(DESTINATAIRE, "COMPTA") and not user.can_act(DESTINATAIRE, None)
    assert not user.manages(MOE) and Principal("a", "A", admin=True).manages(MOE)


def test_a_service_limited_habilitation_reads_only_the_pieces_naming_its_service():
    voirie = Principal("v@x.fr", "V", habilitations=(Habilitation(MOA, Profil.CONSULTATION, service="VOIRIE"),))

    assert voirie.can_read([FOURNISSEUR, MOA], "VOIRIE")
    assert not voirie.can_read([FOURNISSEUR, MOA], "ECOLES")
    assert not voirie.can_read([FOURNISSEUR, MOA], None)  # a pièce naming no service is not the service's
    assert not voirie.can_read([FOURNISSEUR, MOE], "VOIRIE")  # its structure must still be a party
    assert voirie.sirets() == {MOA} and voirie.modification_sirets() == set()


def test_a_whole_structure_habilitation_beside_a_service_limited_one_reads_through_either():
    user = Principal(
        "u@x.fr",
        "U",
        habilitations=(
            Habilitation(MOA, Profil.CONSULTATION, service="VOIRIE"),
            Habilitation(MOE, Profil.CONSULTATION),
        ),
    )

    assert user.can_read([MOA, MOE], "ECOLES")  # not MOA's service, but MOE reads every pièce it is party to
    assert not user.can_read([MOA], "ECOLES")


# ---- principal_from_user ----------------------------------------------------------------------------


def _moi(**overrides):
    view = {
        "email": "claire@mairie.fr",
        "nom": "Claire Martin",
        "active": True,
        "admin": False,
        "habilitations": [
            {"siret": MOA, "profil": "MODIFICATION", "service": None, "gestionnaire": True},
            {"siret": DESTINATAIRE, "profil": "CONSULTATION", "service": "COMPTA", "gestionnaire": False},
        ],
    }
    return {**view, **overrides}


def test_principal_from_user_rebuilds_the_caller_of_get_moi():
    principal = principal_from_user(_moi())

    assert principal == Principal(
        "claire@mairie.fr",
        "Claire Martin",
        admin=False,
        habilitations=(
            Habilitation(MOA, Profil.MODIFICATION, None, True),
            Habilitation(DESTINATAIRE, Profil.CONSULTATION, "COMPTA", False),
        ),
    )
    assert principal.manages(MOA) and principal.can_act(MOA, "VOIRIE")
    assert principal.can_read([DESTINATAIRE], "COMPTA") and not principal.can_read([DESTINATAIRE], "VOIRIE")
    assert not principal.can_act(DESTINATAIRE, "COMPTA")


def test_principal_from_user_is_none_for_an_inactive_user():
    assert principal_from_user(_moi(active=False)) is None


def test_principal_from_user_keeps_the_administrator_and_fills_absent_members_with_defaults():
    admin = principal_from_user({"email": "admin@plateforme.fr", "nom": "Administrateur", "admin": True})

    assert admin == Principal("admin@plateforme.fr", "Administrateur", admin=True, habilitations=())
    assert admin.manages(MOA) and not admin.can_read([MOA], None)  # the administrator reads no pièce

    bare = principal_from_user({"email": "x@y.fr", "habilitations": [{"siret": MOE, "profil": "CONSULTATION"}]})
    assert bare == Principal("x@y.fr", "x@y.fr", habilitations=(Habilitation(MOE, Profil.CONSULTATION),))


def test_principal_from_user_refuses_an_unknown_profil():
    with pytest.raises(ValueError):
        principal_from_user(_moi(habilitations=[{"siret": MOE, "profil": "LECTURE"}]))
