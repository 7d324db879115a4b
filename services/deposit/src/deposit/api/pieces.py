"""``/v1/pieces``: deposit and read pièces."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from deposit.api.archived import PIECE_GONE
from deposit.api.auth import Caller
from deposit.api.context import context
from deposit.api.idempotency import RETRY_AFTER_ON_409, IdempotencyKey
from deposit.api.models import DepositAccepted, HistoryItem, PieceInput, PieceView
from deposit.api.uploads import PDF, multipart_form, read_field, upload_of
from deposit.api.views import piece_view
from deposit.domain.errors import Refusal, RefusalKind
from deposit.usecases.act_on_piece import visible_piece
from deposit.usecases.deposit_piece import deposit_piece
from messaging.problems import problem_responses
from readmodel.views import file_response
from readmodel.visibility import as_seen_by

router = APIRouter(prefix="/v1/pieces", tags=["pièces"])

AUTH = {401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)"}
NOT_FOUND = {**problem_responses({**AUTH, 404: "Pièce inconnue ou non visible (`piece_inconnue`)"}), **PIECE_GONE}

_PIECE_SCHEMA = PieceInput.model_json_schema(ref_template="#/components/schemas/{model}")
_DEPOSIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["piece", "document"],
                    "properties": {
                        "piece": {k: v for k, v in _PIECE_SCHEMA.items() if k != "$defs"},
                        "document": {
                            "type": "string",
                            "format": "binary",
                            "description": "Le document PDF de la pièce",
                        },
                        "attachments": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Pièces jointes (extensions autorisées : celles du portail)",
                        },
                    },
                },
                "encoding": {"piece": {"contentType": "application/json"}},
                "examples": {
                    "A15": {
                        "summary": "État d'acompte de la MOE, déposé sur le projet de décompte mensuel",
                        "value": {
                            "piece": {
                                "cadre": "A15",
                                "piece_precedente_id": "0b5c8f0e-2f4e-4c61-9a57-0f7f3b0c2a11",
                                "numero": "PDM-2026-11-EA",
                                "date_piece": "2026-11-22",
                                "montant_ht": "9800.00",
                                "montant_tva": "1960.00",
                                "montant_ttc": "11760.00",
                            }
                        },
                    },
                    "A4": {
                        "summary": "Projet de décompte mensuel",
                        "value": {
                            "piece": {
                                "cadre": "A4",
                                "numero": "PDM-2026-11",
                                "date_piece": "2026-11-20",
                                "devise": "EUR",
                                "type_tva": "TVA_SUR_ENCAISSEMENTS",
                                "montant_ht": "10000.00",
                                "montant_tva": "2000.00",
                                "montant_ttc": "12000.00",
                                "fournisseur": "73282932000074",
                                "moe": "44306184100047",
                                "moa": "21750001600019",
                            }
                        },
                    },
                },
            }
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=DepositAccepted,
    summary="Déposer une pièce (dépôt initial ou pièce suivante)",
    description="Multipart : la partie `piece` (JSON, schéma ci-dessous), le `document` PDF et des `attachments`. "
    "Une pièce suivante nomme `piece_precedente_id` et rejoint son dossier ; elle reprend les parties du dossier. "
    "Il faut le profil MODIFICATION sur la structure qui dépose le cadre. "
    "Chaque structure nommée doit être connue et active ; celles que la pièce nomme (toutes au dépôt initial, un "
    "nouveau destinataire sur une pièce suivante) doivent pouvoir tenir leur rôle selon leurs paramètres : MOA "
    "publique « avec MOA » ou « exclusivement MOA » ; destinataire public, jamais « exclusivement MOA », lui-même "
    "MOA seulement « avec MOA », et « sans MOA » quand la MOA est « exclusivement MOA ». "
    "Un en-tête `Idempotency-Key` rend la requête rejouable sans double dépôt.",
    openapi_extra={**_DEPOSIT_BODY, **RETRY_AFTER_ON_409},
    responses=problem_responses(
        {
            **AUTH,
            400: "Corps multipart illisible (`multipart_invalide`)",
            403: "Pas de profil MODIFICATION sur la structure qui dépose ce cadre (`habilitation_requise`)",
            404: "Pièce précédente inconnue ou non visible (`piece_precedente_inconnue`)",
            409: "Numéro déjà utilisé par ce fournisseur (`numero_deja_utilise`) ; pièce précédente déjà suivie "
            "(`piece_precedente_deja_suivie`), pas au statut attendu (`piece_precedente_indisponible`) ; procédure "
            "tacite pas encore ouverte (`delai_non_echu`) ; pièce précédente archivée (`piece_precedente_archivee`, "
            "avec `archive_url`) ; la même requête, avec la même `Idempotency-Key`, est "
            "encore en cours : la renvoyer après `Retry-After` secondes (`requete_en_cours`)",
            413: "Document ou pièce jointe trop volumineux (`document_trop_volumineux`, `piece_jointe_trop_volumineuse`) ; "
            "fichiers au-delà de MAX_DEPOSIT_BYTES au total (`depot_trop_volumineux`)",
            415: "Document non PDF (`document_non_pdf`)",
            422: "Pièce refusée, avec un `code` stable : `piece_manquante`, `piece_json_invalide`, `champ_manquant`, "
            "`champ_inconnu`, `champ_invalide`, `siret_invalide`, `montant_invalide`, `montants_incoherents`, "
            "`montant_negatif`, `montant_a_payer_invalide`, `tva_sans_tva_non_nulle`, `devise_inconnue`, "
            "`date_future`, `moe_requis`, `moa_requis`, `destinataire_requis`, `valideur_requis`, `fournisseur_requis`, "
            "`cadre_inconnu`, `cadre_hors_travaux`, `cadre_retire`, `cadre_initial`, `cadre_suivant_interdit`, "
            "`piece_precedente_requise`, `partie_incoherente`, `structure_inconnue`, `structure_inactive`, "
            "`structure_invalide` ; une structure nommée dans un rôle que ses paramètres interdisent (sur le champ "
            "qui la nomme, le code d'erreur d'acheminement) : `moa_non_publique`, `moa_non_autorisee`, "
            "`destinataire_non_publique`, `destinataire_non_autorise`, "
            "`document_manquant`, `piece_jointe_extension_interdite`, `trop_de_pieces_jointes`, "
            "`cle_idempotence_reutilisee`, `piece_invalide`",
        }
    ),
)
async def post_piece(
    request: Request,
    caller: Caller,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # The multipart body is read by hand so the OpenAPI document can describe `piece` as the JSON
    # object it is (see _DEPOSIT_BODY), and so a missing part gets our own problem code.
    ctx = context(request)
    async with multipart_form(request, ctx.settings.max_attachments + 10) as form:
        document = form.get("document")
        answer = await deposit_piece(
            ctx,
            caller,
            await read_field(form.get("piece")),
            await upload_of(document, "document.pdf", PDF) if isinstance(document, UploadFile) else None,
            [await upload_of(a, "piece-jointe") for a in form.getlist("attachments") if isinstance(a, UploadFile)],
            idempotency_key,
        )
    headers = {"Location": answer.body["links"]["piece"]["href"]} if answer.status == 201 else {}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


async def _record(request: Request, piece_id: str, caller) -> dict:
    return await visible_piece(context(request), caller, piece_id)


SUPPLIER_SIDE = (
    " Quand le destinataire masque la mise en paiement au fournisseur, qui ne lit la pièce que comme fournisseur "
    "ou valideur la voit telle qu'elle était avant (statut, historique, action attendue)."
)


@router.get(
    "/{piece_id}",
    response_model=PieceView,
    summary="Consulter une pièce",
    description="La pièce, son historique, qui doit agir et les actions possibles." + SUPPLIER_SIDE,
    responses=NOT_FOUND,
)
async def get_piece(request: Request, piece_id: str, caller: Caller) -> PieceView:
    return piece_view(as_seen_by(caller, await _record(request, piece_id, caller)))


@router.get(
    "/{piece_id}/historique",
    response_model=list[HistoryItem],
    summary="Historique des statuts",
    description="Chaque changement de statut : quand, par qui, pourquoi." + SUPPLIER_SIDE,
    responses=NOT_FOUND,
)
async def get_history(request: Request, piece_id: str, caller: Caller) -> list[HistoryItem]:
    return piece_view(as_seen_by(caller, await _record(request, piece_id, caller))).historique


@router.get(
    "/{piece_id}/document",
    summary="Télécharger le document de la pièce",
    responses={**NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
)
async def get_document(request: Request, piece_id: str, caller: Caller) -> Response:
    record = await _record(request, piece_id, caller)
    return await _file_response(request, record["document"])


@router.get(
    "/{piece_id}/pieces-jointes/{index}",
    summary="Télécharger une pièce jointe",
    responses={
        **problem_responses(
            {**AUTH, 404: "Pièce ou pièce jointe inconnue (`piece_inconnue`, `piece_jointe_inconnue`)"}
        ),
        **PIECE_GONE,
    },
)
async def get_attachment(request: Request, piece_id: str, index: int, caller: Caller) -> Response:
    attachments = (await _record(request, piece_id, caller))["document"].get("attachments", [])
    if not 0 <= index < len(attachments):
        raise Refusal(
            "piece_jointe_inconnue",
            "Pièce jointe inconnue",
            f"La pièce {piece_id} n'a pas de pièce jointe {index}.",
            RefusalKind.NOT_FOUND,
        )
    return await _file_response(request, attachments[index])


async def _file_response(request: Request, stored: dict) -> Response:
    return file_response(await context(request).documents.read(stored["file_id"]), stored)
