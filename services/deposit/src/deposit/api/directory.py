"""The directory: structures and their services, users, habilitations and API tokens.

The administrator (from settings) creates structures and their gestionnaires; a gestionnaire manages
its structure's parameters, services and users. Every change that other services need is announced
on the compacted ``travaux.structures`` topic, in the same transaction (outbox).
"""

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import PresenceMoa, Profil, Structure, StructureUpserted, make_event
from deposit.api.auth import Caller, forbidden
from deposit.bootstrap import SOURCE, DepositContext
from deposit.domain.errors import FieldError, Refusal
from messaging.mongo import in_transaction
from messaging.problems import problem_responses
from readmodel.access import Habilitation, Principal

router = APIRouter(tags=["annuaire"])

AUTH = problem_responses({401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)"})
MANAGE = problem_responses(
    {
        401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)",
        403: "Réservé à l'administrateur ou au gestionnaire de la structure (`acces_refuse`)",
    }
)


class UserInput(BaseModel):
    nom: str = Field(min_length=1, max_length=200, examples=["Claire Martin"])
    active: bool = True


class HabilitationInput(BaseModel):
    profil: Profil
    service: str | None = Field(default=None, description="Limits the habilitation to one service of the structure")
    gestionnaire: bool = Field(default=False, description="Manages the structure's users and parameters")


class HabilitationView(HabilitationInput):
    siret: str


class UserView(BaseModel):
    email: str
    nom: str
    active: bool
    admin: bool
    habilitations: list[HabilitationView]


class StructureUser(HabilitationInput):
    email: str
    nom: str


class TokenInput(BaseModel):
    libelle: str = Field(default="api", min_length=1, max_length=100, examples=["ERP comptable"])


class TokenView(BaseModel):
    jeton_id: str
    libelle: str
    cree_le: datetime


class TokenCreated(TokenView):
    jeton: str = Field(description="The bearer token. Shown once: only its hash is stored.")


def _ctx(request: Request) -> DepositContext:
    return request.app.state.ctx


async def _announce(ctx: DepositContext, sirets: set[str], session: AsyncClientSession) -> None:
    for siret in sorted(sirets):
        structure = await ctx.directory.published(siret, session)
        if structure is not None:
            event = make_event(StructureUpserted(structure=structure), source=SOURCE, subject=siret)
            await ctx.outbox.add(event, session)


async def _write(ctx: DepositContext, work) -> object:
    result = await in_transaction(ctx.client, work)
    ctx.directory.forget_cached()
    ctx.outbox.notify()
    return result


def _structure_errors(structure: Structure) -> list[FieldError]:
    errors = []
    if not structure.publique and structure.presence_moa is not PresenceMoa.AUCUNE:
        errors.append(
            FieldError(
                "presence_moa", "presence_moa_structure_privee", "seule une structure publique a une présence MOA"
            )
        )
    if not structure.publique and structure.categorie is not None:
        errors.append(
            FieldError("categorie", "categorie_structure_privee", "seule une entité publique a une catégorie")
        )
    codes = [s.code for s in structure.services]
    if len(codes) != len(set(codes)):
        errors.append(FieldError("services", "service_duplique", "deux services ont le même code"))
    return errors


# ---- structures ------------------------------------------------------------------------------------


@router.put(
    "/v1/structures/{siret}",
    response_model=Structure,
    summary="Créer ou modifier une structure",
    description="Administrateur : toute structure. Gestionnaire : sa structure, sans changer son caractère public. "
    "`contacts` est calculé à partir des habilitations et ignoré en entrée.",
    responses={
        **MANAGE,
        **problem_responses(
            {
                422: "`siret_incoherent`, `siret_invalide`, `presence_moa_structure_privee`, "
                "`categorie_structure_privee`, `service_duplique`, `requete_invalide`"
            }
        ),
    },
)
async def put_structure(request: Request, siret: str, structure: Structure, caller: Caller) -> Structure:
    if structure.siret != siret:
        raise Refusal("siret_incoherent", "SIRET incohérent", "Le SIRET du corps diffère de celui de l'URL.", 422)
    ctx = _ctx(request)
    if not caller.manages(siret):
        raise forbidden(f"Seul l'administrateur ou un gestionnaire de la structure {siret} peut la modifier.")
    errors = _structure_errors(structure)
    if errors:
        raise Refusal(errors[0].code, "Structure invalide", "; ".join(e.message for e in errors), 422, errors)
    if not caller.admin:
        current = await ctx.directory.get(siret)
        if current is None or current.publique != structure.publique:
            raise forbidden("Seul l'administrateur crée une structure ou change son caractère public.")

    async def store(session: AsyncClientSession) -> Structure | None:
        if await ctx.directory.upsert(structure.model_copy(update={"contacts": []}), session):
            await _announce(ctx, {siret}, session)
        return await ctx.directory.published(siret, session)

    return await _write(ctx, store)


@router.get("/v1/structures", response_model=list[Structure], summary="Lister les structures", responses=AUTH)
async def list_structures(request: Request, caller: Caller) -> list[Structure]:
    return [_visible(s, caller) for s in await _ctx(request).directory.all()]


def _visible(structure: Structure, caller: Principal) -> Structure:
    # Contacts are people's e-mail addresses: only those who manage the structure see them.
    return structure if caller.manages(structure.siret) else structure.model_copy(update={"contacts": []})


@router.get(
    "/v1/structures/{siret}",
    response_model=Structure,
    summary="Consulter une structure",
    responses={**AUTH, **problem_responses({404: "Structure inconnue (`structure_inconnue`)"})},
)
async def get_structure(request: Request, siret: str, caller: Caller) -> Structure:
    ctx = _ctx(request)
    structure = await ctx.directory.published(siret)
    if structure is None:
        raise Refusal("structure_inconnue", "Structure inconnue", f"Aucune structure {siret}.", 404)
    return _visible(structure, caller)


# ---- habilitations ---------------------------------------------------------------------------------


@router.get(
    "/v1/structures/{siret}/habilitations",
    response_model=list[StructureUser],
    summary="Utilisateurs habilités sur une structure",
    responses=MANAGE,
)
async def list_habilitations(request: Request, siret: str, caller: Caller) -> list[StructureUser]:
    if not caller.manages(siret):
        raise forbidden(f"Réservé au gestionnaire de la structure {siret}.")
    return [
        StructureUser(email=u["_id"], nom=u["nom"], **{k: h.get(k) for k in ("profil", "service", "gestionnaire")})
        for u in await _ctx(request).directory.users_of(siret)
        for h in u.get("habilitations", [])
        if h["siret"] == siret
    ]


@router.put(
    "/v1/structures/{siret}/habilitations/{email}",
    response_model=UserView,
    summary="Habiliter un utilisateur sur une structure",
    description="Une habilitation par (utilisateur, structure) : la nouvelle remplace l'ancienne.",
    responses={
        **MANAGE,
        **problem_responses(
            {
                404: "Structure ou utilisateur inconnu (`structure_inconnue`, `utilisateur_inconnu`)",
                422: "Service inconnu de la structure (`service_inconnu`)",
            }
        ),
    },
)
async def put_habilitation(
    request: Request, siret: str, email: str, body: HabilitationInput, caller: Caller
) -> UserView:
    ctx = _ctx(request)
    if not caller.manages(siret):
        raise forbidden(f"Réservé au gestionnaire de la structure {siret}.")
    structure = await ctx.directory.get(siret)
    if structure is None:
        raise Refusal("structure_inconnue", "Structure inconnue", f"Aucune structure {siret}.", 404)
    if body.service is not None and body.service not in {s.code for s in structure.services}:
        raise Refusal("service_inconnu", "Service inconnu", f"La structure {siret} n'a pas de service {body.service}.")

    async def store(session: AsyncClientSession) -> dict:
        if await ctx.directory.get_user(email, session) is None:
            raise Refusal("utilisateur_inconnu", "Utilisateur inconnu", f"Aucun utilisateur {email}.", 404)
        await ctx.directory.set_habilitation(
            email, Habilitation(siret, body.profil, body.service, body.gestionnaire), session
        )
        await _announce(ctx, {siret}, session)
        return await ctx.directory.get_user(email, session)

    return _user_view(await _write(ctx, store))


@router.delete(
    "/v1/structures/{siret}/habilitations/{email}",
    status_code=204,
    summary="Retirer une habilitation",
    responses={**MANAGE, **problem_responses({404: "Habilitation inconnue (`habilitation_inconnue`)"})},
)
async def delete_habilitation(request: Request, siret: str, email: str, caller: Caller) -> Response:
    ctx = _ctx(request)
    if not caller.manages(siret):
        raise forbidden(f"Réservé au gestionnaire de la structure {siret}.")

    async def store(session: AsyncClientSession) -> None:
        if not await ctx.directory.remove_habilitation(email, siret, session):
            raise Refusal(
                "habilitation_inconnue", "Habilitation inconnue", f"{email} n'est pas habilité sur {siret}.", 404
            )
        await _announce(ctx, {siret}, session)

    await _write(ctx, store)
    return Response(status_code=204)


# ---- users -----------------------------------------------------------------------------------------


def _user_view(user: dict) -> UserView:
    return UserView(
        email=user["_id"],
        nom=user["nom"],
        active=user.get("active", True),
        admin=user.get("admin", False),
        habilitations=[HabilitationView(**h) for h in user.get("habilitations", [])],
    )


def _may_manage_user(caller: Principal, user: dict | None) -> bool:
    if caller.admin or (user is not None and user["_id"] == caller.email):
        return True
    sirets = {h["siret"] for h in (user or {}).get("habilitations", [])}
    return any(caller.manages(s) for s in sirets)


@router.get("/v1/moi", response_model=UserView, summary="L'utilisateur du jeton et ses habilitations", responses=AUTH)
async def me(request: Request, caller: Caller) -> UserView:
    return _user_view(await _ctx(request).directory.get_user(caller.email))


@router.put(
    "/v1/utilisateurs/{email}",
    response_model=UserView,
    summary="Créer ou modifier un utilisateur",
    description="Administrateur ou gestionnaire (qui l'habilite ensuite sur sa structure) ; l'utilisateur lui-même "
    "pour son nom.",
    responses={**MANAGE, **problem_responses({422: "`requete_invalide`"})},
)
async def put_user(request: Request, email: str, body: UserInput, caller: Caller) -> UserView:
    ctx = _ctx(request)
    existing = await ctx.directory.get_user(email)
    allowed = _may_manage_user(caller, existing) if existing else caller.manages_any()
    if not allowed:
        raise forbidden("Réservé à l'administrateur, aux gestionnaires de l'utilisateur et à l'utilisateur lui-même.")
    if existing is not None and existing["_id"] == caller.email and not caller.manages_any() and not body.active:
        raise forbidden("Un utilisateur ne se désactive pas lui-même.")

    async def store(session: AsyncClientSession) -> dict:
        user = await ctx.directory.put_user(email, body.nom, body.active, session)
        await _announce(ctx, {h["siret"] for h in user.get("habilitations", [])}, session)
        return user

    return _user_view(await _write(ctx, store))


@router.get(
    "/v1/utilisateurs/{email}",
    response_model=UserView,
    summary="Consulter un utilisateur",
    responses={**MANAGE, **problem_responses({404: "Utilisateur inconnu (`utilisateur_inconnu`)"})},
)
async def get_user(request: Request, email: str, caller: Caller) -> UserView:
    user = await _ctx(request).directory.get_user(email)
    if user is None or not _may_manage_user(caller, user):
        raise Refusal("utilisateur_inconnu", "Utilisateur inconnu", f"Aucun utilisateur {email} visible.", 404)
    return _user_view(user)


# ---- tokens ----------------------------------------------------------------------------------------


async def _token_owner(request: Request, email: str, caller: Principal) -> dict:
    user = await _ctx(request).directory.get_user(email)
    if user is None or not _may_manage_user(caller, user):
        raise Refusal("utilisateur_inconnu", "Utilisateur inconnu", f"Aucun utilisateur {email} visible.", 404)
    return user


@router.post(
    "/v1/utilisateurs/{email}/jetons",
    status_code=201,
    response_model=TokenCreated,
    summary="Créer un jeton d'API",
    description="Le jeton n'est montré qu'une fois : seul son condensé SHA-256 est conservé.",
    responses={**AUTH, **problem_responses({404: "Utilisateur inconnu (`utilisateur_inconnu`)"})},
)
async def create_token(request: Request, email: str, body: TokenInput, caller: Caller) -> TokenCreated:
    await _token_owner(request, email, caller)
    ctx = _ctx(request)
    document, secret = await in_transaction(ctx.client, lambda s: ctx.directory.create_token(email, body.libelle, s))
    return TokenCreated(
        jeton_id=document["token_id"], libelle=document["libelle"], cree_le=document["cree_le"], jeton=secret
    )


@router.get(
    "/v1/utilisateurs/{email}/jetons",
    response_model=list[TokenView],
    summary="Lister les jetons d'un utilisateur (sans leur valeur)",
    responses={**AUTH, **problem_responses({404: "Utilisateur inconnu (`utilisateur_inconnu`)"})},
)
async def list_tokens(request: Request, email: str, caller: Caller) -> list[TokenView]:
    await _token_owner(request, email, caller)
    return [
        TokenView(jeton_id=t["token_id"], libelle=t["libelle"], cree_le=t["cree_le"])
        for t in await _ctx(request).directory.tokens_of(email)
    ]


@router.delete(
    "/v1/utilisateurs/{email}/jetons/{jeton_id}",
    status_code=204,
    summary="Révoquer un jeton",
    responses={
        **AUTH,
        **problem_responses({404: "Utilisateur ou jeton inconnu (`utilisateur_inconnu`, `jeton_inconnu`)"}),
    },
)
async def revoke_token(request: Request, email: str, jeton_id: str, caller: Caller) -> Response:
    await _token_owner(request, email, caller)
    ctx = _ctx(request)

    async def store(session: AsyncClientSession) -> None:
        if not await ctx.directory.revoke_token(email, jeton_id, session):
            raise Refusal("jeton_inconnu", "Jeton inconnu", f"Aucun jeton {jeton_id} pour {email}.", 404)

    await _write(ctx, store)
    return Response(status_code=204)
