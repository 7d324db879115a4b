"""The directory's authority rules (docs/authority.md): pure, table-driven."""

import pytest

from contracts import CompteType, Profil
from deposit.api.refusals import status_of
from deposit.domain import authority
from deposit.domain.authority import Account
from deposit.domain.errors import Refusal
from readmodel.access import Habilitation, Principal

A, B = "73282932000074", "44306184100047"
M, C = Profil.MODIFICATION, Profil.CONSULTATION

ADMIN = Principal("admin@travaux.local", "Admin", admin=True)
GEST_A = Principal("gest@a.fr", "Gest A", habilitations=(Habilitation(A, M, gestionnaire=True),))
AGENT_A = Principal("agent@a.fr", "Agent A", habilitations=(Habilitation(A, M),))
AGENT_B = Principal("agent@b.fr", "Agent B", habilitations=(Habilitation(B, M),))
TECH_A = Principal("technique-1@" + A, "ERP", habilitations=(Habilitation(A, M),), kind=CompteType.TECHNIQUE)


def account(principal: Principal, **changes) -> Account:
    values = dict(
        id=principal.email,
        nom=principal.nom,
        kind=principal.kind,
        admin=principal.admin,
        habilitations=principal.habilitations,
        structure=A if principal.kind is CompteType.TECHNIQUE else None,
    )
    return Account(**{**values, **changes})


def refused(call) -> tuple[int, str]:
    with pytest.raises(Refusal) as caught:
        call()
    return status_of(caught.value), caught.value.code


# ---- tokens: a person's are its own -----------------------------------------------------------------


@pytest.mark.parametrize(
    "caller, target, expected",
    [
        (AGENT_A, AGENT_A, None),
        (ADMIN, ADMIN, None),
        (GEST_A, AGENT_A, (403, "compte_personnel")),  # the takeover path: a gestionnaire mints for its agent
        (GEST_A, ADMIN, (404, "utilisateur_inconnu")),  # the takeover path: the administrator's account
        (GEST_A, AGENT_B, (404, "utilisateur_inconnu")),  # another structure's person: invisible
        (ADMIN, AGENT_A, (403, "compte_personnel")),  # not even the administrator
        (AGENT_B, AGENT_A, (404, "utilisateur_inconnu")),
        (GEST_A, TECH_A, None),  # a technical account's tokens: its structure's gestionnaires
        (ADMIN, TECH_A, None),
        (TECH_A, TECH_A, (403, "compte_technique_gere")),
        (AGENT_A, TECH_A, (404, "utilisateur_inconnu")),
    ],
)
def test_who_manages_tokens(caller, target, expected):
    call = lambda: authority.check_token_manager(caller, account(target), target.email)  # noqa: E731
    if expected is None:
        assert call().id == target.email
    else:
        assert refused(call) == expected


def test_an_unknown_account_is_not_found():
    assert refused(lambda: authority.check_token_manager(ADMIN, None, "x@y.fr")) == (404, "utilisateur_inconnu")


# ---- the account itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caller, target, nom, active, expected",
    [
        (AGENT_A, AGENT_A, "Nouveau nom", None, None),
        (GEST_A, AGENT_A, "Renommé", None, (403, "compte_personnel")),  # another's identity
        (GEST_A, AGENT_A, None, False, (403, "acces_refuse")),  # only the administrator deactivates a person
        (ADMIN, AGENT_A, None, False, None),
        (ADMIN, AGENT_A, "Renommé", None, (403, "compte_personnel")),
        (GEST_A, GEST_A, None, False, (403, "desactivation_de_soi")),
        (ADMIN, ADMIN, None, False, (403, "desactivation_de_soi")),
        (GEST_A, TECH_A, "ERP 2", False, None),  # a technical account: its gestionnaires
        (AGENT_A, TECH_A, "ERP 2", None, (404, "utilisateur_inconnu")),
        (GEST_A, ADMIN, "Pirate", None, (404, "utilisateur_inconnu")),
    ],
)
def test_who_changes_an_account(caller, target, nom, active, expected):
    call = lambda: authority.check_account_update(caller, account(target), target.email, nom, active)  # noqa: E731
    if expected is None:
        call()
    else:
        assert refused(call) == expected


def test_a_gestionnaire_sees_only_the_habilitations_on_its_structures():
    both = account(AGENT_A, habilitations=(Habilitation(A, M), Habilitation(B, C)))
    assert authority.visible_habilitations(GEST_A, both) == (Habilitation(A, M),)
    assert authority.visible_habilitations(ADMIN, both) == both.habilitations
    assert authority.visible_habilitations(AGENT_A, both) == both.habilitations
    assert not authority.may_see(AGENT_B, account(AGENT_A))


# ---- rattachements ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, expected",
    [
        (None, None),  # a new person: the invitation creates its account, not its habilitation
        (account(AGENT_B), None),
        (account(ADMIN), (409, "compte_administrateur")),
        (account(TECH_A), (409, "compte_technique")),
        (account(AGENT_A), (409, "deja_habilite")),
        (account(AGENT_B, active=False), (409, "compte_inactif")),
    ],
)
def test_who_may_be_attached_to_a_structure(target, expected):
    call = lambda: authority.check_attachable(target, A)  # noqa: E731
    if expected is None:
        call()
    else:
        assert refused(call) == expected


def test_a_habilitation_is_changed_only_on_an_attached_account_of_a_managed_structure():
    raise_gest = Habilitation(A, M, gestionnaire=True)
    assert authority.check_habilitation_change(GEST_A, account(AGENT_A), AGENT_A.email, raise_gest).id == AGENT_A.email
    # not attached: it must be invited, and accept
    assert refused(
        lambda: authority.check_habilitation_change(GEST_A, account(AGENT_B), AGENT_B.email, raise_gest)
    ) == (404, "habilitation_inconnue")
    assert refused(lambda: authority.check_habilitation_change(GEST_A, account(ADMIN), ADMIN.email, raise_gest)) == (
        404,
        "habilitation_inconnue",
    )
    on_b = Habilitation(B, M)
    assert refused(lambda: authority.check_habilitation_change(GEST_A, account(AGENT_B), AGENT_B.email, on_b)) == (
        403,
        "acces_refuse",
    )
    assert refused(lambda: authority.check_habilitation_change(GEST_A, account(TECH_A), TECH_A.email, raise_gest)) == (
        422,
        "compte_technique_non_gestionnaire",
    )


def test_removing_a_habilitation():
    assert authority.check_removal(GEST_A, account(AGENT_A), AGENT_A.email, A).id == AGENT_A.email
    assert authority.check_removal(AGENT_A, account(AGENT_A), AGENT_A.email, A).id == AGENT_A.email  # leaving
    assert refused(lambda: authority.check_removal(AGENT_B, account(AGENT_A), AGENT_A.email, A)) == (
        403,
        "acces_refuse",
    )
    assert refused(lambda: authority.check_removal(GEST_A, account(AGENT_B), AGENT_B.email, A)) == (
        404,
        "habilitation_inconnue",
    )


@pytest.mark.parametrize(
    "current, target, stays, expected",
    [
        ({"g1"}, "g1", False, (409, "dernier_gestionnaire")),
        ({"g1"}, "g1", True, None),
        ({"g1", "g2"}, "g1", False, None),
        (set(), "g1", False, None),  # a structure that never had one
        ({"g1"}, "agent", False, None),
    ],
)
def test_a_structure_keeps_a_gestionnaire(current, target, stays, expected):
    call = lambda: authority.check_keeps_a_gestionnaire(A, current, target, stays)  # noqa: E731
    if expected is None:
        call()
    else:
        assert refused(call) == expected


def test_only_a_person_asks_to_join():
    authority.check_requester(AGENT_B)
    assert refused(lambda: authority.check_requester(ADMIN)) == (403, "demande_impossible")
    assert refused(lambda: authority.check_requester(TECH_A)) == (403, "demande_impossible")
