"""Access rules over habilitations, and the caller rebuilt from deposit's ``GET /v1/moi``: pure, no I/O."""

import pytest

from contracts import Profil
from readmodel.access import (
    Habilitation,
    PieceParties,
    Principal,
    follows_dossier,
    principal_from_user,
    structure_seen_by,
)

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


def test_principal_from_user_carries_the_account_type_and_the_token_id_when_get_moi_gives_them():
    technical = principal_from_user(_moi(type="technique", jeton_id="j-42"))
    assert technical.kind == "technique" and technical.token_id == "j-42"

    person = principal_from_user(_moi())
    assert person.kind == "personne" and person.token_id is None


# ---- a dossier's operations data, a structure's contacts -------------------------------------------


def _snapshot(**fields):
    from contracts import PieceSnapshot

    base = {
        "piece_id": "p1",
        "dossier_id": "d1",
        "numero": "PDM-1",
        "cadre": "A4",
        "statut": "MISE_A_DISPOSITION_MOE",
        "date_piece": "2026-11-20",
        "devise": "EUR",
        "montant_ht": "10.00",
        "montant_tva": "2.00",
        "montant_ttc": "12.00",
        "montant_a_payer": "12.00",
        "fournisseur": FOURNISSEUR,
        "deposee_le": "2026-11-20T10:00:00Z",
    }
    return PieceSnapshot.model_validate({**base, **fields})


def test_the_parties_of_a_piece_are_its_named_structures_and_keep_its_service():
    piece = PieceParties.of(_snapshot(moe=MOE, moa=MOA, code_service="VOIRIE"))

    assert piece == PieceParties(frozenset({FOURNISSEUR, MOE, MOA}), "VOIRIE")
    assert PieceParties.from_doc(piece.to_doc()) == piece
    assert PieceParties.from_doc({}) == PieceParties(frozenset(), None)


def test_a_dossiers_operations_data_goes_to_its_parties_and_the_administrator_only():
    a4 = PieceParties(frozenset({FOURNISSEUR, MOE, MOA}), "VOIRIE")
    a19 = PieceParties(frozenset({FOURNISSEUR, MOE, MOA, DESTINATAIRE}), "COMPTA")

    def user(*habilitations):
        return Principal("u@x.fr", "U", habilitations=habilitations)

    assert follows_dossier(user(Habilitation(MOE, Profil.CONSULTATION)), [a4])
    assert follows_dossier(Principal("a", "A", admin=True), [])  # the administrator: operations data
    assert not follows_dossier(user(Habilitation(DESTINATAIRE, Profil.MODIFICATION)), [a4])  # not a party
    assert not follows_dossier(user(), [a4, a19])
    compta = user(Habilitation(DESTINATAIRE, Profil.CONSULTATION, service="COMPTA"))
    assert follows_dossier(compta, [a4, a19])  # one pièce it reads is enough
    voirie_only = user(Habilitation(MOA, Profil.CONSULTATION, service="ECOLES"))
    assert not follows_dossier(voirie_only, [a4, a19])  # a service-limited habilitation: its service's pièces
    assert not follows_dossier(user(Habilitation(MOE, Profil.MODIFICATION)), [])  # nothing known: nothing shown


def test_a_structures_contacts_go_only_to_those_who_manage_it():
    from contracts import Structure

    structure = Structure.model_validate(
        {"siret": MOA, "nom": "Commune", "email_contact": "c@commune.fr", "contacts": [
            {"email": "agent@commune.fr", "nom": "Agent", "profil": "MODIFICATION"}]}
    )  # fmt: skip
    manager = Principal("g@x.fr", "G", habilitations=(Habilitation(MOA, Profil.MODIFICATION, gestionnaire=True),))
    agent = Principal("a@x.fr", "A", habilitations=(Habilitation(MOA, Profil.MODIFICATION),))

    assert structure_seen_by(structure, manager) == structure
    assert structure_seen_by(structure, Principal("ad", "Ad", admin=True)) == structure
    hidden = structure_seen_by(structure, agent)
    assert hidden.contacts == [] and hidden.model_dump(exclude={"contacts"}) == structure.model_dump(
        exclude={"contacts"}
    )
