"""Attaching accounts to structures with their consent (docs/authority.md): invitations a person accepts,
requests a gestionnaire approves; then the gestionnaires change or remove habilitations, and create the
structure's technical accounts. Each change: one transaction with its audit entry and the structure's
announcement (its contacts changed); the structure's record is touched so that two concurrent changes of
its habilitations conflict (and the retried one sees the other), never leave it without a gestionnaire."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from contracts import CodeMotif, CompteType, InvitationDetails, Profil, utcnow
from deposit.adapters.rattachements import PENDING, Etat
from deposit.context import DepositContext, DepositTx
from deposit.domain import authority
from deposit.domain.errors import FieldError, Refusal, RefusalKind
from deposit.usecases.accounts import code_event
from deposit.usecases.directory_changes import announce, existing_structure, write
from readmodel.access import Habilitation, Principal


def _unknown(kind: str, rattachement_id: str) -> Refusal:
    label = "Invitation inconnue" if kind == "invitation" else "Demande inconnue"
    return Refusal(f"{kind}_inconnue", label, f"Aucune {kind} {rattachement_id} en attente ici.", RefusalKind.NOT_FOUND)


def _habilitation(document: dict[str, Any]) -> Habilitation:
    return Habilitation(
        document["siret"], Profil(document["profil"]), document.get("service"), document["gestionnaire"]
    )


async def _attach(tx: DepositTx, account: authority.Account, habilitation: Habilitation) -> None:
    await tx.directory.touch(habilitation.siret)
    await tx.directory.set_habilitation(account.id, habilitation)
    await announce(tx, {habilitation.siret})


# ---- invitations -----------------------------------------------------------------------------------


async def invite(
    ctx: DepositContext, caller: Principal, email: str, nom: str | None, habilitation: Habilitation
) -> dict[str, Any]:
    siret = habilitation.siret
    authority.check_manages(caller, siret)
    structure = await existing_structure(ctx, siret, habilitation.service)
    account = await ctx.directory.account(email)
    authority.check_attachable(account, siret)
    if account is None and not nom:
        raise Refusal(
            "nom_requis",
            "Nom requis",
            f"{email} n'a pas encore de compte : donnez son nom pour l'inviter.",
            RefusalKind.INVALID,
            [FieldError("nom", "nom_requis", "nom de la personne invitée")],
        )
    days = ctx.settings.invitation_days

    async def work(tx: DepositTx) -> dict[str, Any]:
        if account is None:
            await tx.directory.create_person(email, nom)
            await tx.audit.record(caller, "compte_cree", email, siret, origine="invitation")
        for earlier in await tx.invitations.pending(siret, email):  # a new invitation replaces them
            await tx.invitations.decide(earlier["_id"], Etat.RETIREE, caller.email)
            await tx.codes.forget_invitation(earlier["_id"])
        invitation = await tx.invitations.create(
            siret, email, habilitation, caller.email, expires_at=utcnow() + timedelta(days=days)
        )
        details = InvitationDetails(
            invitation_id=invitation["_id"],
            siret=siret,
            structure_nom=structure.nom,
            profil=habilitation.profil,
            service=habilitation.service,
            gestionnaire=habilitation.gestionnaire,
            invite_par=caller.nom,
        )
        name = account.nom if account else nom
        await code_event(tx, email, name, CodeMotif.INVITATION, timedelta(days=days), details)
        await tx.audit.record(
            caller, "invitation_envoyee", email, siret, invitation_id=invitation["_id"],
            profil=habilitation.profil.value, service=habilitation.service, gestionnaire=habilitation.gestionnaire,
        )  # fmt: skip
        return invitation

    return await write(ctx, work)


async def withdraw(ctx: DepositContext, caller: Principal, siret: str, invitation_id: str) -> None:
    authority.check_manages(caller, siret)

    async def work(tx: DepositTx) -> None:
        invitation = await tx.invitations.get(invitation_id)
        if invitation is None or invitation["siret"] != siret or invitation["statut"] != PENDING:
            raise _unknown("invitation", invitation_id)
        await tx.invitations.decide(invitation_id, Etat.RETIREE, caller.email)
        await tx.codes.forget_invitation(invitation_id)
        await tx.audit.record(caller, "invitation_retiree", invitation["email"], siret, invitation_id=invitation_id)

    await write(ctx, work)


async def accept_invitation(
    tx: DepositTx, account: authority.Account, invitation_id: str, actor: Principal | str
) -> dict[str, Any]:
    """Inside the caller's transaction: the invitee says yes (with its token, or with the mailed code)."""
    invitation = await tx.invitations.get(invitation_id)
    if invitation is None or invitation["email"] != account.id:
        raise _unknown("invitation", invitation_id)
    if invitation["statut"] != PENDING or invitation["expire_le"] <= utcnow():
        raise Refusal(
            "invitation_indisponible",
            "Invitation indisponible",
            f"L'invitation {invitation_id} a été {invitation['statut'].lower()} ou a expiré : demandez-en une nouvelle.",
            RefusalKind.CONFLICT,
        )
    authority.check_attachable(account, invitation["siret"])
    await _attach(tx, account, _habilitation(invitation))
    await tx.invitations.decide(invitation_id, Etat.ACCEPTEE, account.id)
    await tx.codes.forget_invitation(invitation_id)
    await tx.audit.record(actor, "invitation_acceptee", account.id, invitation["siret"], invitation_id=invitation_id)
    return await tx.invitations.get(invitation_id)


async def answer_invitation(ctx: DepositContext, caller: Principal, invitation_id: str, accept: bool) -> dict[str, Any]:
    account = await ctx.directory.account(caller.email)
    if account is None:
        raise _unknown("invitation", invitation_id)

    async def work(tx: DepositTx) -> dict[str, Any]:
        if accept:
            return await accept_invitation(tx, account, invitation_id, caller)
        invitation = await tx.invitations.get(invitation_id)
        if invitation is None or invitation["email"] != account.id or invitation["statut"] != PENDING:
            raise _unknown("invitation", invitation_id)
        await tx.invitations.decide(invitation_id, Etat.REFUSEE, account.id)
        await tx.codes.forget_invitation(invitation_id)
        await tx.audit.record(
            caller, "invitation_refusee", account.id, invitation["siret"], invitation_id=invitation_id
        )
        return await tx.invitations.get(invitation_id)

    return await write(ctx, work)


# ---- requests --------------------------------------------------------------------------------------


async def request_join(
    ctx: DepositContext, caller: Principal, habilitation: Habilitation, message: str | None
) -> dict[str, Any]:
    authority.check_requester(caller)
    siret = habilitation.siret
    await existing_structure(ctx, siret, habilitation.service)
    account = await ctx.directory.account(caller.email)
    authority.check_attachable(account, siret)

    async def work(tx: DepositTx) -> dict[str, Any]:
        if await tx.demandes.pending(siret, caller.email):
            raise Refusal(
                "demande_en_cours",
                "Demande en cours",
                f"Une demande de rattachement à {siret} attend déjà.",
                RefusalKind.CONFLICT,
            )
        demande = await tx.demandes.create(siret, caller.email, habilitation, caller.email, message=message)
        await tx.audit.record(caller, "demande_envoyee", caller.email, siret, demande_id=demande["_id"])
        return demande

    return await write(ctx, work)


@dataclass(frozen=True, slots=True)
class Grant:
    """What a gestionnaire grants on a request: the profile and service asked, unless it chooses others."""

    profil: Profil | None = None
    service: str | None = None
    gestionnaire: bool = False

    def habilitation(self, demande: dict[str, Any]) -> Habilitation:
        return Habilitation(
            demande["siret"],
            self.profil or Profil(demande["profil"]),
            self.service if self.service is not None else demande.get("service"),
            self.gestionnaire,
        )


async def decide_request(
    ctx: DepositContext, caller: Principal, siret: str, demande_id: str, grant: Grant | None
) -> dict[str, Any]:
    """``grant``: what is granted (None: refused)."""
    authority.check_manages(caller, siret)
    structure = await existing_structure(ctx, siret)

    async def work(tx: DepositTx) -> dict[str, Any]:
        demande = await tx.demandes.get(demande_id)
        if demande is None or demande["siret"] != siret or demande["statut"] != PENDING:
            raise _unknown("demande", demande_id)
        if grant is None:
            await tx.demandes.decide(demande_id, Etat.REFUSEE, caller.email)
            await tx.audit.record(caller, "demande_refusee", demande["email"], siret, demande_id=demande_id)
            return await tx.demandes.get(demande_id)
        habilitation = grant.habilitation(demande)
        if habilitation.service is not None and habilitation.service not in {s.code for s in structure.services}:
            raise Refusal(
                "service_inconnu", "Service inconnu", f"La structure {siret} n'a pas de service {habilitation.service}."
            )
        account = await tx.directory.account(demande["email"])
        authority.check_attachable(account, siret)
        await _attach(tx, account, habilitation)
        await tx.demandes.decide(demande_id, Etat.ACCEPTEE, caller.email)
        await tx.audit.record(
            caller, "demande_approuvee", demande["email"], siret, demande_id=demande_id,
            profil=habilitation.profil.value, service=habilitation.service, gestionnaire=habilitation.gestionnaire,
        )  # fmt: skip
        return await tx.demandes.get(demande_id)

    return await write(ctx, work)


# ---- habilitations ---------------------------------------------------------------------------------


async def change_habilitation(
    ctx: DepositContext, caller: Principal, account_id: str, new: Habilitation
) -> authority.Account:
    await existing_structure(ctx, new.siret, new.service)

    async def work(tx: DepositTx) -> authority.Account:
        account = authority.check_habilitation_change(caller, await tx.directory.account(account_id), account_id, new)
        current = authority.gestionnaires(await tx.directory.accounts_on(new.siret), new.siret)
        authority.check_keeps_a_gestionnaire(new.siret, current, account.id, new.gestionnaire)
        before = account.on(new.siret)
        await _attach(tx, account, new)
        await tx.audit.record(
            caller, "habilitation_modifiee", account.id, new.siret,
            avant=_described(before), apres=_described(new),
        )  # fmt: skip
        return await tx.directory.account(account.id)

    return await write(ctx, work)


async def remove_habilitation(ctx: DepositContext, caller: Principal, account_id: str, siret: str) -> None:
    async def work(tx: DepositTx) -> None:
        account = authority.check_removal(caller, await tx.directory.account(account_id), account_id, siret)
        current = authority.gestionnaires(await tx.directory.accounts_on(siret), siret)
        authority.check_keeps_a_gestionnaire(siret, current, account.id, stays_gestionnaire=False)
        await tx.directory.touch(siret)
        await tx.directory.remove_habilitation(account.id, siret)
        await announce(tx, {siret})
        await tx.audit.record(caller, "habilitation_retiree", account.id, siret, avant=_described(account.on(siret)))

    await write(ctx, work)


def _described(habilitation: Habilitation | None) -> dict[str, Any] | None:
    if habilitation is None:
        return None
    return {
        "profil": habilitation.profil.value,
        "service": habilitation.service,
        "gestionnaire": habilitation.gestionnaire,
    }


# ---- technical accounts ----------------------------------------------------------------------------


def technical_id(siret: str) -> str:
    return f"technique-{uuid.uuid4().hex[:12]}@{siret}"


async def create_technical_account(
    ctx: DepositContext, caller: Principal, libelle: str, habilitation: Habilitation
) -> authority.Account:
    authority.check_manages(caller, habilitation.siret)
    await existing_structure(ctx, habilitation.siret, habilitation.service)
    account_id = technical_id(habilitation.siret)

    async def work(tx: DepositTx) -> authority.Account:
        await tx.directory.create_technical(account_id, libelle, habilitation)
        await tx.audit.record(
            caller, "compte_technique_cree", account_id, habilitation.siret, libelle=libelle,
            profil=habilitation.profil.value, service=habilitation.service,
        )  # fmt: skip
        return await tx.directory.account(account_id)

    return await write(ctx, work)


async def technical_accounts(ctx: DepositContext, caller: Principal, siret: str) -> list[authority.Account]:
    authority.check_manages(caller, siret)
    return [
        a for a in await ctx.directory.accounts_on(siret) if a.kind is CompteType.TECHNIQUE and a.structure == siret
    ]
