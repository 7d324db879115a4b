"""Rattachements with consent (docs/authority.md): a structure's gestionnaires invite, a person accepts
(``/v1/moi/invitations``); a person asks, a gestionnaire approves; the structure's technical accounts."""

from fastapi import APIRouter, Request, Response

from deposit.api.auth import Caller
from deposit.api.context import context
from deposit.api.directory_models import (
    Approval,
    InvitationInput,
    RattachementView,
    RequestInput,
    TechnicalAccountInput,
    TechnicalAccountView,
    rattachement_view,
    technical_view,
)
from deposit.domain import authority
from deposit.usecases import rattachements
from messaging.problems import problem_responses
from readmodel.access import Habilitation

router = APIRouter(prefix="/v1/structures/{siret}", tags=["rattachements"])

AUTH = {401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)"}
MANAGE = {**AUTH, 403: "Réservé à l'administrateur et aux gestionnaires de la structure (`acces_refuse`)"}
ATTACH = (
    "Compte de l'administrateur (`compte_administrateur`), compte technique (`compte_technique`), compte désactivé "
    "(`compte_inactif`), déjà habilité (`deja_habilite`)"
)


@router.post(
    "/invitations",
    status_code=201,
    response_model=RattachementView,
    summary="Inviter une personne sur la structure",
    description="Gestionnaires de la structure. Un courriel porte à la personne un code à usage unique (valable "
    "`INVITATION_DAYS` jours) ; elle accepte avec ce code (`POST /v1/comptes/activation`, qui crée son compte s'il "
    "n'existe pas) ou avec son jeton (`POST /v1/moi/invitations/{id}/accepter`). Rien n'est accordé avant son accord. "
    "Une nouvelle invitation de la même adresse remplace la précédente.",
    responses=problem_responses(
        {
            **MANAGE,
            404: "Structure inconnue (`structure_inconnue`)",
            409: ATTACH,
            422: "Service inconnu (`service_inconnu`), nom requis pour une adresse sans compte (`nom_requis`), adresse "
            "invalide (`champ_invalide`), `requete_invalide`",
        }
    ),
)
async def invite(request: Request, siret: str, body: InvitationInput, caller: Caller) -> RattachementView:
    habilitation = Habilitation(siret, body.profil, body.service, body.gestionnaire)
    invitation = await rattachements.invite(context(request), caller, body.email, body.nom, habilitation)
    return rattachement_view(invitation)


@router.get(
    "/invitations",
    response_model=list[RattachementView],
    summary="Invitations de la structure",
    responses=problem_responses(MANAGE),
)
async def list_invitations(request: Request, siret: str, caller: Caller) -> list[RattachementView]:
    authority.check_manages(caller, siret)
    return [rattachement_view(i) for i in await context(request).invitations.of_structure(siret)]


@router.delete(
    "/invitations/{invitation_id}",
    status_code=204,
    summary="Retirer une invitation en attente",
    responses=problem_responses({**MANAGE, 404: "Aucune invitation en attente (`invitation_inconnue`)"}),
)
async def withdraw(request: Request, siret: str, invitation_id: str, caller: Caller) -> Response:
    await rattachements.withdraw(context(request), caller, siret, invitation_id)
    return Response(status_code=204)


@router.post(
    "/demandes",
    status_code=201,
    response_model=RattachementView,
    summary="Demander son rattachement à la structure",
    description="Une personne connectée demande un profil ; un gestionnaire de la structure approuve ou refuse.",
    responses=problem_responses(
        {
            **AUTH,
            403: "Seule une personne demande son rattachement (`demande_impossible`)",
            404: "Structure inconnue (`structure_inconnue`)",
            409: f"{ATTACH} ; une demande attend déjà (`demande_en_cours`)",
            422: "Service inconnu (`service_inconnu`), `requete_invalide`",
        }
    ),
)
async def request_join(request: Request, siret: str, body: RequestInput, caller: Caller) -> RattachementView:
    habilitation = Habilitation(siret, body.profil, body.service)
    return rattachement_view(await rattachements.request_join(context(request), caller, habilitation, body.message))


@router.get(
    "/demandes",
    response_model=list[RattachementView],
    summary="Demandes de rattachement à la structure",
    responses=problem_responses(MANAGE),
)
async def list_requests(request: Request, siret: str, caller: Caller) -> list[RattachementView]:
    authority.check_manages(caller, siret)
    return [rattachement_view(d) for d in await context(request).demandes.of_structure(siret)]


DECIDE = problem_responses(
    {
        **MANAGE,
        404: "Aucune demande en attente (`demande_inconnue`) ; structure inconnue (`structure_inconnue`)",
        409: ATTACH,
        422: "Service inconnu (`service_inconnu`), `requete_invalide`",
    }
)


@router.post(
    "/demandes/{demande_id}/approuver",
    response_model=RattachementView,
    summary="Approuver une demande de rattachement",
    description="Le profil demandé, ou celui que le gestionnaire choisit.",
    responses=DECIDE,
)
async def approve(request: Request, siret: str, demande_id: str, body: Approval, caller: Caller) -> RattachementView:
    grant = rattachements.Grant(body.profil, body.service, body.gestionnaire)
    return rattachement_view(await rattachements.decide_request(context(request), caller, siret, demande_id, grant))


@router.post(
    "/demandes/{demande_id}/refuser",
    response_model=RattachementView,
    summary="Refuser une demande de rattachement",
    responses=DECIDE,
)
async def refuse(request: Request, siret: str, demande_id: str, caller: Caller) -> RattachementView:
    return rattachement_view(await rattachements.decide_request(context(request), caller, siret, demande_id, None))


@router.post(
    "/comptes-techniques",
    status_code=201,
    response_model=TechnicalAccountView,
    summary="Créer un compte technique (client d'API) de la structure",
    description="Gestionnaires de la structure. Le compte n'a d'habilitation que sur elle, ne la gère pas, et ses "
    "jetons sont créés et révoqués par ses gestionnaires (`/v1/utilisateurs/{identifiant}/jetons`).",
    responses=problem_responses(
        {
            **MANAGE,
            404: "Structure inconnue (`structure_inconnue`)",
            422: "Service inconnu (`service_inconnu`), `requete_invalide`",
        }
    ),
)
async def create_technical(
    request: Request, siret: str, body: TechnicalAccountInput, caller: Caller
) -> TechnicalAccountView:
    habilitation = authority.technical_habilitation(siret, body.profil, body.service)
    return technical_view(
        await rattachements.create_technical_account(context(request), caller, body.libelle, habilitation)
    )


@router.get(
    "/comptes-techniques",
    response_model=list[TechnicalAccountView],
    summary="Comptes techniques de la structure",
    responses=problem_responses(MANAGE),
)
async def list_technical(request: Request, siret: str, caller: Caller) -> list[TechnicalAccountView]:
    return [technical_view(a) for a in await rattachements.technical_accounts(context(request), caller, siret)]
