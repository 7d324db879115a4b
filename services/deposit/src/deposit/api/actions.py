"""``POST /v1/pieces/{id}/actions/{action}``: one route per action, each with its own body."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from contracts import Siret, Statut
from deposit.api.archived import PIECE_GONE
from deposit.api.auth import Caller
from deposit.api.context import context
from deposit.api.idempotency import RETRY_AFTER_HEADERS, IdempotencyKey
from deposit.api.uploads import multipart_form, read_field, upload_of
from deposit.domain.circuit import TRAITEMENT_STATUTS, Action, Motif
from deposit.domain.errors import Refusal
from deposit.usecases.act_on_piece import ActionRequest, act_on_piece
from messaging.problems import problem_responses

router = APIRouter(prefix="/v1/pieces/{piece_id}/actions", tags=["actions"])

COMMON = {
    401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)",
    403: "L'action revient à un autre acteur, ou profil CONSULTATION (`action_reservee`)",
    404: "Pièce inconnue ou non visible (`piece_inconnue`)",
    409: "Action impossible dans le statut de la pièce, avec `actions_possibles` (`action_impossible`) ; "
    "pièce modifiée entre-temps (`piece_modifiee`) ; la même requête, avec la même `Idempotency-Key`, est encore en "
    "cours : la renvoyer après `Retry-After` secondes (`requete_en_cours`)",
}


def _responses(extra_422: str) -> dict:
    responses = problem_responses({**COMMON, 422: f"{extra_422} ; `cle_idempotence_reutilisee`, `requete_invalide`"})
    responses[409]["headers"] = RETRY_AFTER_HEADERS
    return {**responses, **PIECE_GONE}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    commentaire: str | None = Field(default=None, max_length=2000)


class RefusInput(_Body):
    motif: Motif = Field(
        description="MAUVAISE_MOE, MAUVAISE_MOA, MAUVAIS_VALIDEUR (MOE, MOA); AUTRE with a commentaire (fournisseur, "
        "on a décompte général). ERREUR_MONTANT is always refused: amounts are corrected in one's own pièce."
    )


class MotifInput(_Body):
    motif: str = Field(min_length=1, max_length=200, description="Why (free text, shown to the issuer)")


class CommentInput(_Body):
    pass


class TraitementInput(_Body):
    statut: Statut = Field(description="SERVICE_FAIT, then MANDATEE, then MISE_EN_PAIEMENT; or A_RECYCLER with a motif")
    motif: str | None = Field(default=None, max_length=200)


class RecyclageInput(_Body):
    destinataire: Siret | None = None
    code_service: str | None = Field(default=None, max_length=100)
    numero_engagement: str | None = Field(default=None, max_length=50)
    moa: Siret | None = None


class ActionDone(BaseModel):
    piece_id: str
    dossier_id: str
    action: str
    statut_precedent: Statut
    statut: Statut
    links: dict[str, dict[str, str]]


async def _run(request: Request, caller, piece_id: str, action_request: ActionRequest, key: str | None):
    answer = await act_on_piece(context(request), caller, piece_id, action_request, key)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


@router.post(
    "/refuser",
    response_model=ActionDone,
    summary="Refuser une pièce reçue (erreur de données d'acheminement)",
    description="MOE ou MOA : motifs MAUVAISE_MOE, MAUVAISE_MOA, MAUVAIS_VALIDEUR. Fournisseur, sur un décompte "
    "général (A18, A20) : motif AUTRE avec un commentaire. Un refus de la MOE met fin au circuit ; un refus de la "
    "MOA revient à l'émetteur, qui peut recycler.",
    responses=_responses("`refus_montant_interdit`, `motif_invalide`, `motif_requis`, `commentaire_requis`"),
)
async def refuser(
    request: Request, piece_id: str, body: RefusInput, caller: Caller, idempotency_key: IdempotencyKey = None
):
    return await _run(
        request, caller, piece_id, ActionRequest(Action.REFUSER, body.motif.value, body.commentaire), idempotency_key
    )


@router.post(
    "/completer",
    response_model=ActionDone,
    summary="Compléter une pièce suspendue (émetteur), avec ses pièces jointes",
    description="Multipart : une ou plusieurs parties `attachments` et un `commentaire` facultatif. "
    "La pièce est de nouveau acheminée.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["attachments"],
                        "properties": {
                            "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}},
                            "commentaire": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
    responses={
        **_responses("`pieces_jointes_requises`, `piece_jointe_extension_interdite`, `trop_de_pieces_jointes`"),
        **problem_responses(
            {
                400: "Corps multipart illisible (`multipart_invalide`)",
                413: "Pièce jointe trop volumineuse (`piece_jointe_trop_volumineuse`) ; pièces jointes au-delà de "
                "MAX_DEPOSIT_BYTES au total (`depot_trop_volumineux`)",
            }
        ),
    },
)
async def completer(request: Request, piece_id: str, caller: Caller, idempotency_key: IdempotencyKey = None):
    async with multipart_form(request, context(request).settings.max_attachments + 10) as form:
        attachments = [
            await upload_of(a, "piece-jointe") for a in form.getlist("attachments") if isinstance(a, UploadFile)
        ]
        comment = await read_field(form.get("commentaire"))
        action_request = ActionRequest(Action.COMPLETER, commentaire=comment, attachments=attachments)
        return await _run(request, caller, piece_id, action_request, idempotency_key)


@router.post(
    "/recycler",
    response_model=ActionDone,
    summary="Recycler une pièce (émetteur) : corriger ses données d'acheminement",
    description="Sur une pièce en erreur d'acheminement, à recycler, ou refusée par la MOA : change le destinataire, "
    "le code service, le numéro d'engagement ou la MOA ; la pièce est de nouveau acheminée. Une nouvelle MOA ou un "
    "nouveau destinataire doit pouvoir tenir ce rôle selon ses paramètres (structure publique ; MOA « avec MOA » ou "
    "« exclusivement MOA » ; destinataire jamais « exclusivement MOA », « sans MOA » pour une MOA « exclusivement "
    "MOA »), sinon 422 avec le code d'erreur d'acheminement correspondant.",
    responses=_responses(
        "`recyclage_sans_changement`, `structure_inconnue`, `structure_inactive`, `structure_invalide` (plusieurs) ; "
        "une structure que ses paramètres interdisent dans ce rôle, sur le champ qui la nomme : `moa_non_publique`, "
        "`moa_non_autorisee`, `destinataire_non_publique`, `destinataire_non_autorise`"
    ),
)
async def recycler(
    request: Request, piece_id: str, body: RecyclageInput, caller: Caller, idempotency_key: IdempotencyKey = None
):
    changes = body.model_dump(exclude={"commentaire"})
    return await _run(
        request,
        caller,
        piece_id,
        ActionRequest(Action.RECYCLER, commentaire=body.commentaire, changes=changes),
        idempotency_key,
    )


@router.post(
    "/traiter",
    response_model=ActionDone,
    summary="Traiter une pièce payable (service financier)",
    description="Dans l'ordre : SERVICE_FAIT, MANDATEE, MISE_EN_PAIEMENT. A_RECYCLER (avec un motif) renvoie la pièce "
    "à son émetteur pour correction des données d'acheminement.",
    responses=_responses("`motif_requis`"),
)
async def traiter(
    request: Request, piece_id: str, body: TraitementInput, caller: Caller, idempotency_key: IdempotencyKey = None
):
    if body.statut not in TRAITEMENT_STATUTS:
        raise Refusal(
            "statut_traitement_invalide",
            "Statut de traitement invalide",
            f"Statuts possibles : {', '.join(TRAITEMENT_STATUTS)}.",
        )
    action_request = ActionRequest(Action.TRAITER, body.motif, body.commentaire, statut=body.statut)
    return await _run(request, caller, piece_id, action_request, idempotency_key)


@router.post(
    "/valider",
    response_model=ActionDone,
    summary="Valider la demande (titulaire pour A10, mandataire pour A13, A14)",
    description="La pièce est ensuite mise à disposition de la MOE.",
    responses=_responses("—"),
)
async def valider(
    request: Request, piece_id: str, body: CommentInput, caller: Caller, idempotency_key: IdempotencyKey = None
):
    return await _run(
        request, caller, piece_id, ActionRequest(Action.VALIDER, commentaire=body.commentaire), idempotency_key
    )


def _motif_action(action: Action, summary: str, description: str) -> None:
    """Register ``POST /{action}`` for an action whose body is just a motif and a comment."""

    async def endpoint(
        request: Request, piece_id: str, body: MotifInput, caller: Caller, idempotency_key: IdempotencyKey = None
    ):
        action_request = ActionRequest(action, body.motif, body.commentaire)
        return await _run(request, caller, piece_id, action_request, idempotency_key)

    endpoint.__name__ = action.value
    router.add_api_route(
        f"/{action.value}",
        endpoint,
        methods=["POST"],
        response_model=ActionDone,
        summary=summary,
        description=description,
        responses=_responses("`motif_requis`"),
    )


_motif_action(
    Action.SUSPENDRE,
    "Suspendre une pièce (pièces jointes manquantes)",
    "MOA sur un état d'acompte (A5, A15) ; service financier sur une pièce payable. L'émetteur complète.",
)
_motif_action(
    Action.REJETER,
    "Rejeter une pièce payable (service financier, dernier recours)",
    "Statut terminal : l'émetteur doit faire un nouveau dépôt.",
)
_motif_action(
    Action.REFUSER_VALIDATION,
    "Refuser de valider la demande (titulaire, mandataire)",
    "A10 : la demande va tout de même à la MOE (paiement direct du sous-traitant). A13, A14 : le refus "
    "du mandataire arrête le circuit.",
)
