"""``/v1/archives``: the portal's « Archives » tab. Dossiers untouched for two years, searchable with the
same criteria and the same habilitations as the active side; every pièce with its history, and its
documents byte for byte as deposited."""

from typing import Annotated, Any

from bson.decimal128 import Decimal128
from fastapi import APIRouter, Depends, Request, Response

from archive.api.models import (
    ArchivedDossier,
    ArchivedItem,
    ArchivedNotification,
    ArchivedPiece,
    ArchiveSearchPage,
)
from archive.context import ArchiveContext
from contracts import info, libelle
from messaging.problems import Problem, problem_responses
from readmodel.access import Principal
from readmodel.auth import AUTH, Caller
from readmodel.search import SearchCriteria, search_page
from readmodel.search_params import PageNumber, PageSize, search_criteria
from readmodel.views import document_info, file_response, history, item_fields
from readmodel.visibility import as_seen_by, dossier_as_seen_by, hidden_pieces, notification_shown

router = APIRouter(prefix="/v1/archives", tags=["archives"])

ARCHIVED = {"archive.state": "archived"}
DOSSIER_NOT_FOUND = problem_responses({**AUTH, 404: "Dossier archivé inconnu ou non visible (`dossier_inconnu`)"})
PIECE_NOT_FOUND = problem_responses(
    {**AUTH, 404: "Pièce archivée ou pièce jointe inconnue (`piece_inconnue`, `piece_jointe_inconnue`)"}
)


def _ctx(request: Request) -> ArchiveContext:
    return request.app.state.ctx


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.to_decimal() if isinstance(v, Decimal128) else v for k, v in record.items()}


@router.get(
    "",
    response_model=ArchiveSearchPage,
    summary="Rechercher dans les archives",
    description="Les pièces des dossiers archivés (sans modification depuis plus de deux ans) que mes structures "
    "peuvent consulter : mêmes critères que `GET /v1/pieces` du service de dépôt (numéro, cadre, structure, rôle, "
    "période, montants, statut), les plus récentes d'abord.",
    responses=problem_responses({**AUTH, 422: "Critère invalide (`intervalle_invalide`, `champ_invalide`)"}),
)
async def search(
    request: Request,
    caller: Caller,
    criteria: Annotated[SearchCriteria, Depends(search_criteria)],
    page: PageNumber = 1,
    taille: PageSize = 50,
) -> ArchiveSearchPage:
    found = await search_page(_ctx(request).store.pieces, caller, criteria, page, taille, extra=ARCHIVED, decode=_plain)
    items = [
        ArchivedItem(
            **item_fields(record, ArchivedItem),
            archivee_le=record["archive"]["archived_at"],
            href=f"/v1/archives/dossiers/{record['dossier_id']}",
        )
        for record in found.records
    ]
    return ArchiveSearchPage(
        page=page, taille=taille, total=found.total, pages=(found.total + taille - 1) // taille, resultats=items
    )


def _piece(record: dict[str, Any]) -> ArchivedPiece:
    piece_id, document = record["_id"], record["document"]
    base = f"/v1/archives/pieces/{piece_id}"
    computed = {"piece_id", "cadre_libelle", "statut_libelle", "document", "pieces_jointes", "historique"}
    fields = {k: v for k, v in _plain(record).items() if k in ArchivedPiece.model_fields and k not in computed}
    return ArchivedPiece(
        **fields,
        piece_id=piece_id,
        cadre_libelle=info(record["cadre"]).libelle,
        statut_libelle=libelle(record["statut"]),
        document=document_info(document, f"{base}/document"),
        pieces_jointes=[
            document_info(a, f"{base}/pieces-jointes/{i}") for i, a in enumerate(document.get("attachments", []))
        ],
        historique=history(record),
    )


def _readable(caller: Principal, pieces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in pieces if caller.can_read(p["parties"], p.get("code_service"))]


@router.get(
    "/dossiers/{dossier_id}",
    response_model=ArchivedDossier,
    summary="Consulter un dossier archivé",
    description="Chaque pièce que l'appelant peut consulter, avec son historique et ses documents, et les "
    "courriels envoyés à son sujet. Une mise en paiement que le destinataire masquait au fournisseur reste "
    "masquée à qui ne lit le dossier que comme fournisseur ou valideur (comme sur le service de dépôt).",
    responses=DOSSIER_NOT_FOUND,
)
async def get_dossier(request: Request, dossier_id: str, caller: Caller) -> ArchivedDossier:
    found = await _ctx(request).store.archived_dossier(dossier_id)
    readable = _readable(caller, found[1]) if found else []
    if not found or not readable:
        raise Problem("dossier_inconnu", "Dossier inconnu", f"Aucun dossier archivé {dossier_id} visible.", 404)
    held = found[0]
    record, pieces = dossier_as_seen_by(caller, held["record"], readable)
    visible, hidden = {p["_id"] for p in pieces}, hidden_pieces(caller, readable)
    return ArchivedDossier(
        dossier_id=dossier_id,
        cadre_initial=record["cadre_initial"],
        fournisseur=record["fournisseur"],
        parties=record["parties"],
        ouvert_le=record["ouvert_le"],
        derniere_activite=record["derniere_activite"],
        archive_le=held["archived_at"],
        compteurs=held.get("counts") or {},
        penalites=_plain(record["penalites"]) if record.get("penalites") else None,
        pieces=[_piece(p) for p in pieces],
        notifications=[
            ArchivedNotification(**{k: n.get(k) for k in ArchivedNotification.model_fields if n.get(k) is not None})
            for n in held["notifications"]
            if n.get("piece_id") in visible and notification_shown(hidden, n)
        ],
    )


async def _visible_piece(ctx: ArchiveContext, caller: Principal, piece_id: str) -> dict[str, Any]:
    record = await ctx.store.archived_piece(piece_id)
    if record is None or not caller.can_read(record["parties"], record.get("code_service")):
        raise Problem("piece_inconnue", "Pièce inconnue", f"Aucune pièce archivée {piece_id} visible.", 404)
    return record


@router.get(
    "/pieces/{piece_id}",
    response_model=ArchivedPiece,
    summary="Consulter une pièce archivée",
    responses=PIECE_NOT_FOUND,
)
async def get_piece(request: Request, piece_id: str, caller: Caller) -> ArchivedPiece:
    return _piece(as_seen_by(caller, await _visible_piece(_ctx(request), caller, piece_id)))


async def _file(ctx: ArchiveContext, stored: dict[str, Any]) -> Response:
    return file_response(await ctx.store.read_file(stored["file_id"]), stored)


@router.get(
    "/pieces/{piece_id}/document",
    summary="Télécharger le document d'une pièce archivée",
    responses={**PIECE_NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
)
async def get_document(request: Request, piece_id: str, caller: Caller) -> Response:
    ctx = _ctx(request)
    return await _file(ctx, (await _visible_piece(ctx, caller, piece_id))["document"])


@router.get(
    "/pieces/{piece_id}/pieces-jointes/{index}",
    summary="Télécharger une pièce jointe d'une pièce archivée",
    responses=PIECE_NOT_FOUND,
)
async def get_attachment(request: Request, piece_id: str, index: int, caller: Caller) -> Response:
    ctx = _ctx(request)
    attachments = (await _visible_piece(ctx, caller, piece_id))["document"].get("attachments", [])
    if not 0 <= index < len(attachments):
        raise Problem(
            "piece_jointe_inconnue",
            "Pièce jointe inconnue",
            f"La pièce {piece_id} n'a pas de pièce jointe {index}.",
            404,
        )
    return await _file(ctx, attachments[index])
