"""What a structure may be named as, by its parameters: one row per case of the table."""

import pytest

from contracts import PresenceMoa, Structure
from contracts.naming import NAMING_ERROR_CODES, NamedAs, naming_error

P = PresenceMoa
MOA, DEST = "21750001600019", "21310555400017"


def structure(siret: str, presence: PresenceMoa, publique: bool = True) -> Structure:
    return Structure(siret=siret, nom="Commune", email_contact="x@example.fr", publique=publique, presence_moa=presence)


@pytest.mark.parametrize(
    "presence, publique, code",
    [
        (P.AVEC_MOA, True, None),
        (P.EXCLUSIVEMENT_MOA, True, None),
        (P.SANS_MOA, True, "moa_non_autorisee"),
        (P.AUCUNE, True, "moa_non_autorisee"),
        (P.AUCUNE, False, "moa_non_publique"),  # a private structure: its privacy is what to fix first
        (P.AVEC_MOA, False, "moa_non_publique"),
    ],
)
def test_who_may_be_named_moa(presence, publique, code):
    refused = naming_error(NamedAs.MOA, structure(MOA, presence, publique))
    assert (refused.code if refused else None) == code
    if refused:
        assert refused.detail.startswith(f"la MOA {MOA} (Commune) : ")


# the destinataire's présence → the pièce's MOA (None: no MOA; "itself": the destinataire is the MOA) → code
DESTINATAIRE_ROWS = [
    (P.SANS_MOA, None, None),
    (P.AVEC_MOA, None, None),
    (P.AUCUNE, None, None),
    (P.EXCLUSIVEMENT_MOA, None, "destinataire_non_autorise"),  # works pièces only
    (P.AVEC_MOA, "itself", None),  # MOA and service financier in one SIRET
    (P.EXCLUSIVEMENT_MOA, "itself", "destinataire_non_autorise"),
    (P.SANS_MOA, "itself", "destinataire_non_autorise"),
    (P.SANS_MOA, P.EXCLUSIVEMENT_MOA, None),  # its distinct « sans MOA » structure
    (P.AVEC_MOA, P.EXCLUSIVEMENT_MOA, "destinataire_non_autorise"),
    (P.AUCUNE, P.EXCLUSIVEMENT_MOA, "destinataire_non_autorise"),
    (P.SANS_MOA, P.AVEC_MOA, None),
    (P.AVEC_MOA, P.AVEC_MOA, None),
]


@pytest.mark.parametrize("presence, moa, code", DESTINATAIRE_ROWS)
def test_who_may_be_named_destinataire(presence, moa, code):
    destinataire = structure(DEST, presence)
    the_moa = destinataire if moa == "itself" else (structure(MOA, moa) if moa else None)
    refused = naming_error(NamedAs.DESTINATAIRE, destinataire, the_moa)
    assert (refused.code if refused else None) == code
    if refused:
        assert refused.detail.startswith(f"le destinataire {DEST} (Commune) : ")


def test_a_private_destinataire_is_refused_first_for_its_privacy():
    refused = naming_error(NamedAs.DESTINATAIRE, structure(DEST, P.EXCLUSIVEMENT_MOA, publique=False))
    assert refused is not None and refused.code == "destinataire_non_publique"


def test_the_detail_names_the_exclusive_moa_and_what_to_name_instead():
    refused = naming_error(NamedAs.DESTINATAIRE, structure(DEST, P.AVEC_MOA), structure(MOA, P.EXCLUSIVEMENT_MOA))
    assert refused is not None
    assert f"la MOA {MOA} (Commune) étant « exclusivement MOA »" in refused.detail and "« sans MOA »" in refused.detail


def test_the_codes():
    assert NAMING_ERROR_CODES == (
        "moa_non_publique",
        "moa_non_autorisee",
        "destinataire_non_publique",
        "destinataire_non_autorise",
    )
