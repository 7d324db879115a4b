"""Structures, their parameters and services, and who is habilitated on them (docs/authority.md).

The administrator creates structures and sets their public character; their gestionnaires change the
rest and manage the habilitations. Every change that other services need is announced on the compacted
``travaux.structures`` topic, in the same transaction (outbox), with its audit entry.
"""

from fastapi import APIRouter, Request, Response

from contracts import PresenceMoa, Structure
from deposit.api.auth import Caller, forbidden
from deposit.api.context import context
from deposit.api.directory_models import HabilitationInput, StructureUser, UserView, user_view
from deposit.context import DepositTx
from deposit.domain import authority
from deposit.domain.errors import FieldError, Refusal, RefusalKind
from deposit.usecases import rattachements
from deposit.usecases.directory_changes import announce, write
from messaging.problems import problem_responses
from readmodel.access import Habilitation, Principal

router = APIRouter(tags=["annuaire"])

AUTH = problem_responses({401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)"})
MANAGE = problem_responses(
    {
        401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)",
        403: "Réservé à l'administrateur ou aux gestionnaires de la structure (`acces_refuse`)",
    }
)


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
        raise Refusal(
            "siret_incoherent", "SIRET incohérent", "Le SIRET du corps diffère de celui de l'URL.", RefusalKind.INVALID
        )
    ctx = context(request)
    authority.check_manages(caller, siret)
    errors = _structure_errors(structure)
    if errors:
        raise Refusal(
            errors[0].code, "Structure invalide", "; ".join(e.message for e in errors), RefusalKind.INVALID, errors
        )
    current = await ctx.directory.get(siret)
    if not caller.admin and (current is None or current.publique != structure.publique):
        raise forbidden("Seul l'administrateur crée une structure ou change son caractère public.")

    async def store(tx: DepositTx) -> Structure | None:
        if await tx.directory.upsert(structure.model_copy(update={"contacts": []})):
            await announce(tx, {siret})
            action = "structure_creee" if current is None else "structure_modifiee"
            await tx.audit.record(caller, action, siret, siret)
        return await tx.directory.published(siret)

    return await write(ctx, store)


@router.get("/v1/structures", response_model=list[Structure], summary="Lister les structures", responses=AUTH)
async def list_structures(request: Request, caller: Caller) -> list[Structure]:
    return [_visible(s, caller) for s in await context(request).directory.all()]


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
    structure = await context(request).directory.published(siret)
    if structure is None:
        raise Refusal("structure_inconnue", "Structure inconnue", f"Aucune structure {siret}.", RefusalKind.NOT_FOUND)
    return _visible(structure, caller)


@router.get(
    "/v1/structures/{siret}/habilitations",
    response_model=list[StructureUser],
    summary="Comptes habilités sur une structure",
    description="Gestionnaires de la structure et administrateur : chaque compte avec son habilitation sur cette "
    "structure (jamais ses autres structures).",
    responses=MANAGE,
)
async def list_habilitations(request: Request, siret: str, caller: Caller) -> list[StructureUser]:
    authority.check_manages(caller, siret)
    found = []
    for account in await context(request).directory.accounts_on(siret):
        habilitation = account.on(siret)
        found.append(
            StructureUser(
                email=account.id,
                nom=account.nom,
                type=account.kind,
                profil=habilitation.profil,
                service=habilitation.service,
                gestionnaire=habilitation.gestionnaire,
            )
        )
    return found


@router.put(
    "/v1/structures/{siret}/habilitations/{email}",
    response_model=UserView,
    summary="Modifier l'habilitation d'un compte rattaché à la structure",
    description="Gestionnaires de la structure : profil, service, gestionnaire, pour un compte déjà rattaché (qui a "
    "accepté une invitation ou dont la demande a été approuvée). Pour rattacher un compte : "
    "`POST /v1/structures/{siret}/invitations`. La structure garde toujours un gestionnaire.",
    responses={
        **MANAGE,
        **problem_responses(
            {
                404: "Structure inconnue, ou compte non rattaché (`structure_inconnue`, `habilitation_inconnue`)",
                409: "Dernier gestionnaire de la structure (`dernier_gestionnaire`)",
                422: "Service inconnu de la structure (`service_inconnu`) ; un compte technique ne gère pas "
                "(`compte_technique_non_gestionnaire`) ; `requete_invalide`",
            }
        ),
    },
)
async def put_habilitation(
    request: Request, siret: str, email: str, body: HabilitationInput, caller: Caller
) -> UserView:
    new = Habilitation(siret, body.profil, body.service, body.gestionnaire)
    account = await rattachements.change_habilitation(context(request), caller, email.lower(), new)
    return user_view(account, caller)


@router.delete(
    "/v1/structures/{siret}/habilitations/{email}",
    status_code=204,
    summary="Retirer une habilitation (ou quitter une structure)",
    description="Gestionnaires de la structure ; ou la personne elle-même, qui quitte la structure.",
    responses={
        **MANAGE,
        **problem_responses(
            {
                404: "Habilitation inconnue (`habilitation_inconnue`)",
                409: "Dernier gestionnaire de la structure (`dernier_gestionnaire`)",
            }
        ),
    },
)
async def delete_habilitation(request: Request, siret: str, email: str, caller: Caller) -> Response:
    await rattachements.remove_habilitation(context(request), caller, email.lower(), siret)
    return Response(status_code=204)
