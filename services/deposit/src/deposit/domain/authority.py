"""Who may change what in the directory (docs/authority.md): pure rules over the caller and the account
or structure it acts on. The API calls them before any write; nothing here does I/O.

- A person's account is theirs: only its owner mints or revokes its tokens and renames it.
- A gestionnaire acts on the structures it manages only, and attaches an account only with its consent
  (an invitation it accepts, or its own request the gestionnaire approves).
- Technical accounts belong to one structure; its gestionnaires manage them and their tokens.
- The platform administrator is untouchable: nobody attaches, renames or deactivates it.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from contracts import CompteType, Profil
from deposit.domain.errors import Refusal, RefusalKind
from readmodel.access import Habilitation, Principal


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the rules see it."""

    id: str  # a person's e-mail address, or a technical account's identifier
    nom: str
    kind: CompteType = CompteType.PERSONNE
    admin: bool = False
    active: bool = True
    activated: bool = True  # False until the owner redeemed a code (invited or self-registered)
    structure: str | None = None  # a technical account's structure
    habilitations: tuple[Habilitation, ...] = ()

    def on(self, siret: str) -> Habilitation | None:
        return next((h for h in self.habilitations if h.siret == siret), None)


def _forbidden(code: str, detail: str) -> Refusal:
    return Refusal(code, "Accès refusé", detail, RefusalKind.FORBIDDEN)


def _unknown(account_id: str) -> Refusal:
    return Refusal(
        "utilisateur_inconnu", "Utilisateur inconnu", f"Aucun utilisateur {account_id} visible.", RefusalKind.NOT_FOUND
    )


def check_manages(caller: Principal, siret: str) -> None:
    if not caller.manages(siret):
        raise _forbidden("acces_refuse", f"Réservé à l'administrateur et aux gestionnaires de la structure {siret}.")


def is_owner(caller: Principal, account: Account) -> bool:
    return caller.email == account.id


def manages_account(caller: Principal, account: Account) -> bool:
    """A gestionnaire of one of the account's structures (never the administrator's account)."""
    if account.admin:
        return False
    if account.kind is CompteType.TECHNIQUE:
        return account.structure is not None and caller.manages(account.structure)
    return any(caller.manages(h.siret) for h in account.habilitations)


def may_see(caller: Principal, account: Account) -> bool:
    return is_owner(caller, account) or caller.admin or manages_account(caller, account)


def visible_habilitations(caller: Principal, account: Account) -> tuple[Habilitation, ...]:
    """What the caller may read of the account's rattachements: all of them for its owner and the
    administrator, only those on the structures it manages for a gestionnaire."""
    if is_owner(caller, account) or caller.admin:
        return account.habilitations
    return tuple(h for h in account.habilitations if caller.manages(h.siret))


def check_visible(caller: Principal, account: Account | None, account_id: str) -> Account:
    if account is None or not may_see(caller, account):
        raise _unknown(account_id)
    return account


# ---- tokens ----------------------------------------------------------------------------------------


def check_token_manager(caller: Principal, account: Account | None, account_id: str) -> Account:
    """A person's tokens are its owner's alone; a technical account's, its structure's gestionnaires'."""
    account = check_visible(caller, account, account_id)
    if account.kind is CompteType.TECHNIQUE:
        if not manages_account(caller, account):
            raise _forbidden(
                "compte_technique_gere",
                "Les jetons d'un compte technique sont gérés par les gestionnaires de sa structure.",
            )
        return account
    if not is_owner(caller, account):
        raise _forbidden(
            "compte_personnel", f"Seul le titulaire du compte {account.id} crée, consulte et révoque ses jetons."
        )
    return account


# ---- the account itself ----------------------------------------------------------------------------


def check_account_update(
    caller: Principal, account: Account | None, account_id: str, nom: str | None, active
) -> Account:
    """``nom``: a person's own, a technical account's by its gestionnaires; ``active``: persons by the
    administrator (never itself), technical accounts by their gestionnaires."""
    account = check_visible(caller, account, account_id)
    if account.admin and not is_owner(caller, account):
        raise _forbidden(
            "compte_protege", "Le compte de l'administrateur de la plateforme n'est modifiable que par lui."
        )
    technical = account.kind is CompteType.TECHNIQUE
    if nom is not None and nom != account.nom:
        allowed = manages_account(caller, account) if technical else is_owner(caller, account)
        if not allowed:
            raise _forbidden("compte_personnel", "Seul le titulaire du compte change son nom.")
    if active is not None and active != account.active:
        if is_owner(caller, account):
            raise _forbidden("desactivation_de_soi", "Un compte ne se désactive pas lui-même.")
        allowed = manages_account(caller, account) if technical else caller.admin
        if not allowed:
            raise _forbidden(
                "acces_refuse",
                "Seul l'administrateur active ou désactive le compte d'une personne ; les gestionnaires d'une "
                "structure, ses comptes techniques.",
            )
    return account


# ---- rattachements ---------------------------------------------------------------------------------


def check_attachable(account: Account | None, siret: str) -> None:
    """Whether an invitation or a request may attach ``account`` (None: a new person) to ``siret``."""
    if account is None:
        return
    if account.admin:
        raise Refusal(
            "compte_administrateur",
            "Compte de l'administrateur",
            "L'administrateur de la plateforme n'est rattaché à aucune structure.",
            RefusalKind.CONFLICT,
        )
    if account.kind is CompteType.TECHNIQUE:
        raise Refusal(
            "compte_technique",
            "Compte technique",
            "Un compte technique appartient à sa structure : créez-en un sur cette structure.",
            RefusalKind.CONFLICT,
        )
    if not account.active:
        raise Refusal(
            "compte_inactif", "Compte inactif", f"Le compte {account.id} est désactivé.", RefusalKind.CONFLICT
        )
    if account.on(siret) is not None:
        raise Refusal(
            "deja_habilite",
            "Déjà habilité",
            f"{account.id} est déjà habilité sur {siret} : modifiez son habilitation.",
            RefusalKind.CONFLICT,
        )


def gestionnaires(accounts: Iterable[Account], siret: str) -> set[str]:
    return {a.id for a in accounts if a.active and (h := a.on(siret)) is not None and h.gestionnaire}


def check_keeps_a_gestionnaire(siret: str, current: set[str], account_id: str, stays_gestionnaire: bool) -> None:
    """A structure that has gestionnaires never loses its last one."""
    if current == {account_id} and not stays_gestionnaire:
        raise Refusal(
            "dernier_gestionnaire",
            "Dernier gestionnaire",
            f"{account_id} est le dernier gestionnaire de {siret} : désignez-en un autre d'abord.",
            RefusalKind.CONFLICT,
        )


def check_habilitation_change(
    caller: Principal, account: Account | None, account_id: str, new: Habilitation
) -> Account:
    """A gestionnaire changes the profile of an account already attached to its structure."""
    check_manages(caller, new.siret)
    if account is None or account.admin or account.on(new.siret) is None:
        raise Refusal(
            "habilitation_inconnue",
            "Habilitation inconnue",
            f"{account_id} n'est pas habilité sur {new.siret} : invitez-le (POST /v1/structures/{new.siret}/"
            "invitations), il lui revient d'accepter.",
            RefusalKind.NOT_FOUND,
        )
    if account.kind is CompteType.TECHNIQUE and new.gestionnaire:
        raise Refusal(
            "compte_technique_non_gestionnaire",
            "Compte technique",
            "Un compte technique ne gère pas de structure.",
            RefusalKind.INVALID,
        )
    return account


def check_removal(caller: Principal, account: Account | None, account_id: str, siret: str) -> Account:
    """The structure's gestionnaires remove a habilitation; a person may leave a structure."""
    if account is None or not is_owner(caller, account):
        check_manages(caller, siret)
    if account is None or account.on(siret) is None:
        raise Refusal(
            "habilitation_inconnue",
            "Habilitation inconnue",
            f"{account_id} n'est pas habilité sur {siret}.",
            RefusalKind.NOT_FOUND,
        )
    return account


def check_requester(caller: Principal) -> None:
    """A person asks to join a structure; not a technical account nor the administrator."""
    if caller.admin or caller.kind is CompteType.TECHNIQUE:
        raise _forbidden("demande_impossible", "Seule une personne demande son rattachement à une structure.")


def technical_habilitation(siret: str, profil: Profil, service: str | None) -> Habilitation:
    return Habilitation(siret, profil, service, gestionnaire=False)
