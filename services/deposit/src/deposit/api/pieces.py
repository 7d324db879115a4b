"""``/v1/pieces``: deposit and read pièces."""

import base64
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from deposit.api.models import DepositAccepted, HistoryItem, PieceInput, PieceView
from deposit.api.views import piece_view
from deposit.bootstrap import DepositContext
from deposit.domain.errors import Refusal
from deposit.usecases.deposit_piece import Upload, deposit_piece
from messaging.problems import problem_responses

router = APIRouter(prefix="/v1/pieces", tags=["pièces"])

NOT_FOUND = problem_responses({404: "Pièce inconnue (`piece_inconnue`)"})

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
                    }
                },
            }
        },
    }
}


def context(request: Request) -> DepositContext:
    return request.app.state.ctx


async def _upload(file: UploadFile) -> Upload:
    return Upload(file.filename or "document", file.content_type or "application/octet-stream", await file.read())


@router.post(
    "",
    status_code=201,
    response_model=DepositAccepted,
    summary="Déposer une pièce (dépôt initial)",
    description="Multipart : la partie `piece` (JSON, schéma ci-dessous), le `document` PDF et des `attachments`. "
    "Un en-tête `Idempotency-Key` rend la requête rejouable sans double dépôt.",
    openapi_extra=_DEPOSIT_BODY,
    responses=problem_responses(
        {
            409: "Numéro déjà utilisé par ce fournisseur (`numero_deja_utilise`)",
            413: "Document ou pièce jointe trop volumineux (`document_trop_volumineux`, `piece_jointe_trop_volumineuse`)",
            415: "Document non PDF (`document_non_pdf`)",
            422: "Pièce refusée, avec un `code` stable : `piece_manquante`, `piece_json_invalide`, `champ_manquant`, "
            "`champ_inconnu`, `champ_invalide`, `siret_invalide`, `montant_invalide`, `montants_incoherents`, "
            "`montant_negatif`, `montant_a_payer_invalide`, `tva_sans_tva_non_nulle`, `devise_inconnue`, "
            "`date_future`, `moe_requise`, `cadre_inconnu`, `cadre_hors_travaux`, `cadre_retire`, "
            "`cadre_non_pris_en_charge`, `piece_precedente_requise`, `structure_inconnue`, `structure_inactive`, "
            "`document_manquant`, `piece_jointe_extension_interdite`, `trop_de_pieces_jointes`, "
            "`cle_idempotence_reutilisee`, `piece_invalide`",
        }
    ),
)
async def post_piece(
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    # The multipart body is read by hand so the OpenAPI document can describe `piece` as the JSON
    # object it is (see _DEPOSIT_BODY), and so a missing part gets our own problem code.
    try:
        form = await request.form(max_files=context(request).settings.max_attachments + 10)
    except StarletteHTTPException as exc:
        raise Refusal("multipart_invalide", "Requête multipart illisible", str(exc.detail), 400) from None
    piece = form.get("piece")
    if isinstance(piece, UploadFile):  # sent as a file part: still the JSON document
        piece = (await piece.read()).decode("utf-8", errors="replace")
    document = form.get("document")
    attachments = [a for a in form.getlist("attachments") if isinstance(a, UploadFile)]
    answer = await deposit_piece(
        context(request),
        piece,
        await _upload(document) if isinstance(document, UploadFile) else None,
        [await _upload(a) for a in attachments],
        idempotency_key,
    )
    headers = {"Location": answer.body["links"]["piece"]["href"]} if answer.status == 201 else {}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


async def _record(request: Request, piece_id: str) -> dict:
    record = await context(request).pieces.get(piece_id)
    if record is None:
        raise Refusal("piece_inconnue", "Pièce inconnue", f"Aucune pièce {piece_id}.", 404)
    return record


@router.get("/{piece_id}", response_model=PieceView, summary="Consulter une pièce", responses=NOT_FOUND)
async def get_piece(request: Request, piece_id: str) -> PieceView:
    return piece_view(await _record(request, piece_id))


@router.get(
    "/{piece_id}/historique",
    response_model=list[HistoryItem],
    summary="Historique des statuts",
    responses=NOT_FOUND,
)
async def get_history(request: Request, piece_id: str) -> list[HistoryItem]:
    return piece_view(await _record(request, piece_id)).historique


@router.get(
    "/{piece_id}/document",
    summary="Télécharger le document de la pièce",
    responses={**NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
)
async def get_document(request: Request, piece_id: str) -> Response:
    record = await _record(request, piece_id)
    return await _file_response(request, record["document"])


@router.get(
    "/{piece_id}/pieces-jointes/{index}",
    summary="Télécharger une pièce jointe",
    responses=problem_responses({404: "Pièce ou pièce jointe inconnue (`piece_inconnue`, `piece_jointe_inconnue`)"}),
)
async def get_attachment(request: Request, piece_id: str, index: int) -> Response:
    attachments = (await _record(request, piece_id))["document"].get("attachments", [])
    if not 0 <= index < len(attachments):
        raise Refusal(
            "piece_jointe_inconnue",
            "Pièce jointe inconnue",
            f"La pièce {piece_id} n'a pas de pièce jointe {index}.",
            404,
        )
    return await _file_response(request, attachments[index])


async def _file_response(request: Request, stored: dict) -> Response:
    content = await context(request).documents.read(stored["file_id"])
    return Response(
        content,
        media_type=stored["content_type"],
        headers={
            "Content-Disposition": f'attachment; filename="{stored["filename"]}"',
            "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(stored['sha256'])).decode()}:",
        },
    )
