"""``/v1/pieces``: deposit and read pièces."""

import base64
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from deposit.api.models import DepositAccepted, HistoryItem, PieceView
from deposit.api.views import piece_view
from deposit.bootstrap import DepositContext
from deposit.domain.errors import Refusal
from deposit.usecases.deposit_piece import Upload, deposit_piece

router = APIRouter(prefix="/v1/pieces", tags=["pièces"])

NOT_FOUND = {"description": "Pièce inconnue (problem details, code piece_inconnue)"}


def context(request: Request) -> DepositContext:
    return request.app.state.ctx


async def _upload(file: UploadFile) -> Upload:
    return Upload(file.filename or "document", file.content_type or "application/octet-stream", await file.read())


@router.post(
    "",
    status_code=201,
    response_model=DepositAccepted,
    summary="Déposer une pièce (dépôt initial)",
    responses={
        409: {"description": "Numéro déjà utilisé par ce fournisseur (numero_deja_utilise)"},
        413: {"description": "Document ou pièce jointe trop volumineux"},
        415: {"description": "Document non PDF (document_non_pdf)"},
        422: {"description": "Pièce invalide: champ, SIRET, montants, cadre (problem details avec code)"},
    },
)
async def post_piece(
    request: Request,
    piece: Annotated[str | None, Form(description="La pièce, en JSON (voir PieceInput)")] = None,
    document: Annotated[UploadFile | None, File(description="Le document PDF de la pièce")] = None,
    attachments: Annotated[list[UploadFile] | None, File(description="Pièces jointes")] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    answer = await deposit_piece(
        context(request),
        piece,
        await _upload(document) if document is not None else None,
        [await _upload(a) for a in attachments or []],
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


@router.get("/{piece_id}", response_model=PieceView, summary="Consulter une pièce", responses={404: NOT_FOUND})
async def get_piece(request: Request, piece_id: str) -> PieceView:
    return piece_view(await _record(request, piece_id))


@router.get(
    "/{piece_id}/historique",
    response_model=list[HistoryItem],
    summary="Historique des statuts",
    responses={404: NOT_FOUND},
)
async def get_history(request: Request, piece_id: str) -> list[HistoryItem]:
    return piece_view(await _record(request, piece_id)).historique


@router.get(
    "/{piece_id}/document",
    summary="Télécharger le document de la pièce",
    responses={404: NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
)
async def get_document(request: Request, piece_id: str) -> Response:
    record = await _record(request, piece_id)
    return await _file_response(request, record["document"])


@router.get(
    "/{piece_id}/pieces-jointes/{index}",
    summary="Télécharger une pièce jointe",
    responses={404: {"description": "Pièce ou pièce jointe inconnue (piece_inconnue, piece_jointe_inconnue)"}},
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
