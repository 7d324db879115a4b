"""Accounts and tokens (docs/authority.md): a person's account is theirs.

- ``POST /v1/comptes/code`` (no token): a one-time code e-mailed to the address (sign-in, or activation
  of a new account); ``POST /v1/comptes/activation``: the code becomes a token.
- ``/v1/moi``: the caller, its invitations and requests.
- ``/v1/utilisateurs/{id}``: an account as the caller may see it; its name, its activation.
- ``/v1/utilisateurs/{id}/jetons``: tokens, minted and revoked by their owner only (a technical
  account's: by its structure's gestionnaires).
"""

from fastapi import APIRouter, Request, Response

from deposit.api.auth import Caller
from deposit.api.context import context
from deposit.api.directory_models import (
    AccountUpdate,
    CodeRequest,
    CodeRequested,
    MeView,
    RattachementView,
    RedeemedView,
    Redemption,
    TokenCreated,
    TokenInput,
    TokenView,
    UserView,
    rattachement_view,
    user_view,
)
from deposit.domain import authority
from deposit.usecases import accounts, rattachements
from messaging.problems import problem_responses

router = APIRouter(tags=["comptes"])

AUTH = {401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)"}
UNKNOWN = {404: "Compte inconnu ou non visible (`utilisateur_inconnu`)"}
TOKENS = problem_responses(
    {
        **AUTH,
        403: "Les jetons d'une personne sont les siens (`compte_personnel`) ; ceux d'un compte technique, ceux des "
        "gestionnaires de sa structure (`compte_technique_gere`)",
        **UNKNOWN,
    }
)
CODE_SENT = (
    "Si cette adresse correspond à un compte (ou si un nom est donné pour en créer un), un code à usage unique "
    "vient d'y être envoyé. Échangez-le contre un jeton : POST /v1/comptes/activation."
)


@router.post(
    "/v1/comptes/code",
    status_code=202,
    response_model=CodeRequested,
    summary="Recevoir par courriel un code de connexion (ou d'activation d'un nouveau compte)",
    description="Sans jeton. À une personne qui a un compte : un code de connexion (15 minutes). À une adresse "
    "sans compte, avec un `nom` : un compte est créé et un code d'activation lui est envoyé. La réponse est la même "
    "dans tous les cas (rien n'indique si l'adresse a un compte) ; au plus un code par minute et cinq par heure et "
    "par adresse.",
    responses=problem_responses({422: "Adresse invalide (`champ_invalide`, `requete_invalide`)"}),
)
async def request_code(request: Request, body: CodeRequest) -> CodeRequested:
    await accounts.request_code(context(request), body.email, body.nom)
    return CodeRequested(detail=CODE_SENT)


@router.post(
    "/v1/comptes/activation",
    status_code=201,
    response_model=RedeemedView,
    summary="Échanger un code reçu par courriel contre un jeton d'API",
    description="Sans jeton : le code (à usage unique) prouve la maîtrise de l'adresse. Il active un nouveau compte, "
    "accepte l'invitation qu'il accompagnait, et donne un nouveau jeton du compte (montré une seule fois).",
    responses=problem_responses(
        {
            409: "L'invitation a été retirée ou a expiré (`invitation_indisponible`) ; `deja_habilite`",
            422: "Code inconnu, déjà utilisé ou expiré (`code_invalide`) ; `requete_invalide`",
        }
    ),
)
async def redeem(request: Request, body: Redemption) -> RedeemedView:
    done = await accounts.redeem(context(request), body.code, body.libelle)
    token = done["token"]
    return RedeemedView(
        email=done["account"].id,
        jeton_id=token["token_id"],
        libelle=token["libelle"],
        cree_le=token["cree_le"],
        jeton=done["secret"],
        invitation=rattachement_view(done["invitation"]) if done["invitation"] else None,
    )


@router.get(
    "/v1/moi",
    response_model=MeView,
    summary="Le compte du jeton et ses habilitations",
    responses=problem_responses(AUTH),
)
async def me(request: Request, caller: Caller) -> MeView:
    account = await context(request).directory.account(caller.email)
    return MeView(**user_view(account, caller).model_dump(), jeton_id=caller.token_id)


@router.get(
    "/v1/moi/invitations",
    response_model=list[RattachementView],
    summary="Mes invitations en attente",
    responses=problem_responses(AUTH),
)
async def my_invitations(request: Request, caller: Caller) -> list[RattachementView]:
    return [rattachement_view(i) for i in await context(request).invitations.of_email(caller.email)]


def _answer(accept: bool, summary: str, description: str):
    async def endpoint(request: Request, invitation_id: str, caller: Caller) -> RattachementView:
        return rattachement_view(await rattachements.answer_invitation(context(request), caller, invitation_id, accept))

    endpoint.__name__ = "accept_invitation" if accept else "decline_invitation"
    router.add_api_route(
        f"/v1/moi/invitations/{{invitation_id}}/{'accepter' if accept else 'refuser'}",
        endpoint,
        methods=["POST"],
        response_model=RattachementView,
        summary=summary,
        description=description,
        responses=problem_responses(
            {
                **AUTH,
                404: "Aucune invitation en attente pour ce compte (`invitation_inconnue`)",
                409: "Invitation retirée ou expirée (`invitation_indisponible`) ; déjà habilité (`deja_habilite`)",
            }
        ),
    )


_answer(True, "Accepter une invitation", "Le compte est rattaché à la structure avec le profil proposé.")
_answer(False, "Refuser une invitation", "L'invitation est close ; la structure n'obtient aucun droit sur le compte.")


@router.get(
    "/v1/moi/demandes",
    response_model=list[RattachementView],
    summary="Mes demandes de rattachement",
    responses=problem_responses(AUTH),
)
async def my_requests(request: Request, caller: Caller) -> list[RattachementView]:
    found = await context(request).demandes.of_email(caller.email, pending_only=False)
    return [rattachement_view(d) for d in found]


@router.get(
    "/v1/utilisateurs/{email}",
    response_model=UserView,
    summary="Consulter un compte",
    description="Le titulaire et l'administrateur voient toutes ses habilitations ; un gestionnaire, celles sur les "
    "structures qu'il gère.",
    responses=problem_responses({**AUTH, **UNKNOWN}),
)
async def get_user(request: Request, email: str, caller: Caller) -> UserView:
    account_id = email.lower()
    account = authority.check_visible(caller, await context(request).directory.account(account_id), account_id)
    return user_view(account, caller)


@router.patch(
    "/v1/utilisateurs/{email}",
    response_model=UserView,
    summary="Modifier un compte : son nom, son activation",
    description="`nom` : la personne elle-même (pour un compte technique, les gestionnaires de sa structure). "
    "`active` : l'administrateur pour une personne (jamais soi-même), les gestionnaires pour un compte technique.",
    responses=problem_responses(
        {
            **AUTH,
            403: "`compte_personnel`, `compte_protege`, `desactivation_de_soi`, `acces_refuse`",
            **UNKNOWN,
            422: "`requete_invalide`",
        }
    ),
)
async def patch_user(request: Request, email: str, body: AccountUpdate, caller: Caller) -> UserView:
    account = await accounts.update_account(context(request), caller, email.lower(), body.nom, body.active)
    return user_view(account, caller)


@router.post(
    "/v1/utilisateurs/{email}/jetons",
    status_code=201,
    response_model=TokenCreated,
    summary="Créer un jeton d'API",
    description="Le jeton n'est montré qu'une fois : seul son condensé SHA-256 est conservé. Une personne crée ses "
    "propres jetons ; les gestionnaires d'une structure, ceux de ses comptes techniques.",
    responses=TOKENS,
)
async def create_token(request: Request, email: str, body: TokenInput, caller: Caller) -> TokenCreated:
    document, secret = await accounts.create_token(context(request), caller, email.lower(), body.libelle)
    return TokenCreated(
        jeton_id=document["token_id"], libelle=document["libelle"], cree_le=document["cree_le"], jeton=secret
    )


@router.get(
    "/v1/utilisateurs/{email}/jetons",
    response_model=list[TokenView],
    summary="Lister les jetons d'un compte (sans leur valeur)",
    responses=TOKENS,
)
async def list_tokens(request: Request, email: str, caller: Caller) -> list[TokenView]:
    return [
        TokenView(jeton_id=t["token_id"], libelle=t["libelle"], cree_le=t["cree_le"])
        for t in await accounts.list_tokens(context(request), caller, email.lower())
    ]


@router.delete(
    "/v1/utilisateurs/{email}/jetons/{jeton_id}",
    status_code=204,
    summary="Révoquer un jeton",
    responses={
        **TOKENS,
        **problem_responses({404: "Compte ou jeton inconnu (`utilisateur_inconnu`, `jeton_inconnu`)"}),
    },
)
async def revoke_token(request: Request, email: str, jeton_id: str, caller: Caller) -> Response:
    await accounts.revoke_token(context(request), caller, email.lower(), jeton_id)
    return Response(status_code=204)
