"""Accounts and their tokens (docs/authority.md): one-time codes by e-mail, redeemed for a token; tokens
minted and revoked by their owner (a technical account's by its structure's gestionnaires); names and
activation by whom the rules allow. Every change goes to the audit log in its transaction."""

from datetime import timedelta
from typing import Any

from contracts import AccountCodeIssued, CodeMotif, CompteType, InvitationDetails, make_event, utcnow
from deposit.context import SOURCE, DepositContext, DepositTx
from deposit.domain import authority
from deposit.domain.errors import Refusal, RefusalKind
from deposit.usecases.directory_changes import announce, write
from messaging.unit_of_work import AlreadyExists
from readmodel.access import Principal

INVALID_CODE = Refusal(
    "code_invalide",
    "Code invalide",
    "Ce code est inconnu, a déjà servi ou a expiré : demandez-en un nouveau (POST /v1/comptes/code).",
    RefusalKind.INVALID,
)


async def code_event(
    tx: DepositTx,
    email: str,
    nom: str | None,
    motif: CodeMotif,
    ttl: timedelta,
    invitation: InvitationDetails | None = None,
) -> None:
    """Issue a one-time code for ``email`` and ask notification to mail it there (private topic)."""
    code, expires_at = await tx.codes.issue(email, motif, ttl, invitation.invitation_id if invitation else None)
    issued = AccountCodeIssued(
        email=email, nom=nom, motif=motif, code=code, expires_at=expires_at, invitation=invitation
    )
    tx.publish(make_event(issued, source=SOURCE, subject=email))


async def request_code(ctx: DepositContext, email: str, nom: str | None) -> None:
    """Send a sign-in code to an existing person, or an activation code to a new one (when ``nom`` is
    given). Whatever the address, the caller learns nothing: the answer is the same."""
    now = utcnow()
    if await ctx.codes.issued_since(email, now - timedelta(minutes=1)):
        return
    if await ctx.codes.issued_since(email, now - timedelta(hours=1)) >= ctx.settings.account_codes_per_hour:
        return
    account = await ctx.directory.account(email)
    if account is None and not nom:
        return
    if account is not None and (account.kind is CompteType.TECHNIQUE or not account.active):
        return
    motif = CodeMotif.CONNEXION if account is not None and account.activated else CodeMotif.ACTIVATION

    async def work(tx: DepositTx) -> None:
        if account is None:
            await tx.directory.create_person(email, nom)
            await tx.audit.record(email, "compte_cree", email, via="anonyme", origine="inscription")
        ttl = timedelta(minutes=ctx.settings.signin_code_minutes)
        await code_event(tx, email, account.nom if account else nom, motif, ttl)
        await tx.audit.record(email, "code_envoye", email, via="anonyme", motif=motif.value)

    try:
        await write(ctx, work)
    except AlreadyExists:
        return  # the same address registered at the same moment: that request sent its code


async def redeem(ctx: DepositContext, code: str, libelle: str) -> dict[str, Any]:
    """A code from a mailbox becomes a token of its account (activating it, accepting the invitation the
    code came with). Works once."""
    from deposit.usecases.rattachements import accept_invitation  # the two modules call each other

    async def work(tx: DepositTx) -> dict[str, Any]:
        record = await tx.codes.redeem(code)
        if record is None:
            raise INVALID_CODE
        account = await tx.directory.account(record["email"])
        if account is None or not account.active or account.kind is CompteType.TECHNIQUE:
            raise INVALID_CODE
        invitation = None
        if record.get("invitation_id"):
            invitation = await accept_invitation(tx, account, record["invitation_id"], account.id)
        if not account.activated:
            await tx.directory.activate(account.id)
            await tx.audit.record(account.id, "compte_active", account.id)
        document, secret = await tx.directory.create_token(account.id, libelle)
        await tx.audit.record(
            account.id, "jeton_cree", account.id, jeton_id=document["token_id"], par_code=record["motif"]
        )
        return {"account": account, "token": document, "secret": secret, "invitation": invitation}

    return await write(ctx, work)


async def create_token(ctx: DepositContext, caller: Principal, account_id: str, libelle: str) -> tuple[dict, str]:
    account = authority.check_token_manager(caller, await ctx.directory.account(account_id), account_id)

    async def work(tx: DepositTx) -> tuple[dict, str]:
        document, secret = await tx.directory.create_token(account.id, libelle)
        await tx.audit.record(caller, "jeton_cree", account.id, account.structure, jeton_cree=document["token_id"])
        return document, secret

    return await write(ctx, work)


async def list_tokens(ctx: DepositContext, caller: Principal, account_id: str) -> list[dict]:
    account = authority.check_token_manager(caller, await ctx.directory.account(account_id), account_id)
    return await ctx.directory.tokens_of(account.id)


async def revoke_token(ctx: DepositContext, caller: Principal, account_id: str, token_id: str) -> None:
    account = authority.check_token_manager(caller, await ctx.directory.account(account_id), account_id)

    async def work(tx: DepositTx) -> None:
        if not await tx.directory.revoke_token(account.id, token_id):
            raise Refusal(
                "jeton_inconnu", "Jeton inconnu", f"Aucun jeton {token_id} pour {account.id}.", RefusalKind.NOT_FOUND
            )
        await tx.audit.record(caller, "jeton_revoque", account.id, account.structure, jeton_revoque=token_id)

    await write(ctx, work)


async def update_account(
    ctx: DepositContext, caller: Principal, account_id: str, nom: str | None, active: bool | None
) -> authority.Account:
    account = authority.check_account_update(caller, await ctx.directory.account(account_id), account_id, nom, active)

    async def work(tx: DepositTx) -> authority.Account:
        await tx.directory.update_account(account.id, nom=nom, active=active)
        if nom is not None and nom != account.nom:
            await tx.audit.record(caller, "compte_renomme", account.id, account.structure, avant=account.nom, apres=nom)
        if active is not None and active != account.active:
            action = "compte_reactive" if active else "compte_desactive"
            await tx.audit.record(caller, action, account.id, account.structure)
        await announce(tx, {h.siret for h in account.habilitations})  # contacts: names, who is active
        return await tx.directory.account(account.id)

    return await write(ctx, work)
