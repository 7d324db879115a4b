"""The read side: synthèse, recherche, tableau de bord, liste fiscale and export of a dossier.

Everything is limited to what the caller may read: pièces of the dossiers one of its structures is a
party to, and, for a habilitation limited to a service, the pièces naming that service.
"""

import asyncio
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from contracts import Siret, utcnow
from contracts.dates import IsoDate
from contracts.files import safe_filename
from deposit.adapters.queries import ReadQueries
from deposit.api.archived import DOSSIER_GONE
from deposit.api.auth import Caller
from deposit.api.context import context
from deposit.api.dossiers import visible_dossier
from deposit.api.read_models import (
    CadreCounts,
    Dashboard,
    ExportFormat,
    FiscalLine,
    FiscalList,
    PendingItem,
    SearchItem,
    SearchPage,
    ServiceCountsView,
    StructureCountsView,
)
from deposit.api.views import piece_view
from deposit.domain.errors import Refusal
from deposit.domain.exports import dashboard_counts, to_csv, to_xml
from messaging.problems import problem_responses
from readmodel.downloads import download_headers
from readmodel.search import PARIS, SearchCriteria
from readmodel.search_params import PageNumber, PageSize, check_interval, search_criteria
from readmodel.views import item_fields

router = APIRouter(prefix="/v1", tags=["consultation"])

AUTH = {401: "Jeton absent ou invalide (`authentification_requise`, `jeton_invalide`)"}
INVALID_QUERY = (
    "Paramètre de requête invalide : `champ_invalide`, `montant_invalide` (montant mal formé), "
    "`requete_invalide` (plusieurs erreurs), `intervalle_invalide` (début après la fin), "
    "`format_inconnu` (format autre que json, csv, xml)"
)
EXPORT_CONTENT = {
    "text/csv": {"schema": {"type": "string"}, "example": "numero;cadre;statut\r\nPDM-2026-11;A4;DEPOSEE\r\n"},
    "application/xml": {
        "schema": {"type": "string"},
        "example": '<pieces page="1" total="1"><piece>...</piece></pieces>',
    },
}
FORMAT_DESCRIPTION = (
    "`json` (défaut), `csv` (séparateur `;`, UTF-8 avec BOM, une ligne d'en-tête ; pour Excel en français) "
    "ou `xml` (un élément par champ)"
)

SANS_SERVICE = "Sans service"
SHOWN_STATUS = (
    " Chaque pièce y figure au statut que voit l'appelant : une mise en paiement que le destinataire masque au "
    "fournisseur reste, pour qui ne lit la pièce que comme fournisseur ou valideur, au statut précédent."
)


def _queries(request: Request) -> ReadQueries:
    return ReadQueries(context(request).pieces)


def _format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value.strip().lower())
    except ValueError:
        raise Refusal("format_inconnu", "Format inconnu", f"Format « {value} » inconnu : json, csv ou xml.") from None


FormatQuery = Annotated[
    str,
    Query(alias="format", description=FORMAT_DESCRIPTION, json_schema_extra={"enum": [f.value for f in ExportFormat]}),
]


def _export(
    fmt: ExportFormat,
    filename: str,
    columns: Sequence[str],
    rows: list[Mapping[str, Any]],
    root: str,
    attributes: Mapping[str, Any],
    item: str,
) -> Response:
    if fmt is ExportFormat.CSV:
        return Response(
            to_csv(columns, rows),
            media_type="text/csv; charset=utf-8",
            headers=download_headers(f"{filename}.csv"),
        )
    return Response(
        to_xml(root, attributes, item, columns, rows),
        media_type="application/xml",
        headers=download_headers(f"{filename}.xml"),
    )


def _columns(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


# ---- synthèse ---------------------------------------------------------------------------------------


@router.get(
    "/synthese",
    response_model=list[PendingItem],
    summary="Synthèse : les pièces qui attendent une action de mes structures",
    description="Les pièces dont l'action attendue revient à une structure sur laquelle l'appelant a le profil "
    "MODIFICATION (et, pour une habilitation limitée à un service, qui nomment ce service). "
    "Chaque pièce dit qui doit agir et quelle action est attendue (`attente`). "
    "Triées de la plus ancienne à la plus récente (date du dernier changement de statut). "
    "Un profil CONSULTATION n'a rien à faire : sa synthèse est vide.",
    responses=problem_responses(AUTH),
)
async def get_synthese(request: Request, caller: Caller) -> list[PendingItem]:
    records = await _queries(request).pending(caller)
    return [PendingItem(**item_fields(r, PendingItem)) for r in records]


# ---- recherche --------------------------------------------------------------------------------------

SEARCH_DESCRIPTION = (
    "Recherche parmi les pièces que l'appelant peut consulter (dossiers dont une de ses structures est partie ; "
    "habilitation limitée à un service : pièces de ce service). Tous les critères sont facultatifs et se cumulent ; "
    "`cadre` et `statut` se répètent (l'un ou l'autre). `structure` : SIRET partie à la pièce. `role` : la structure "
    "qui joue ce rôle dans la pièce (fournisseur, valideur, moe, moa, destinataire) est une des structures de "
    "l'appelant, ou `structure` quand elle est donnée. Dates de dépôt en heure de Paris, bornes incluses ; "
    "montants sur le TTC, bornes incluses. Tri : dépôt le plus récent d'abord. "
    "`format=csv` ou `format=xml` exporte la page demandée. Le critère `statut` porte sur le statut que voit "
    "l'appelant (une mise en paiement masquée au fournisseur se trouve, pour qui ne lit la pièce que comme "
    "fournisseur ou valideur, au statut précédent)."
)


async def _paging(
    page: PageNumber = 1,
    taille: PageSize = 50,
    format_: FormatQuery = "json",
) -> tuple[int, int, str]:
    """The page, its size and the format of a search. A dependency declared after the criteria only so that
    the OpenAPI keeps listing the query parameters criteria first, then page, taille and format."""
    return page, taille, format_


@router.get(
    "/pieces",
    response_model=SearchPage,
    summary="Rechercher des pièces",
    description=SEARCH_DESCRIPTION,
    responses={
        **problem_responses({**AUTH, 422: INVALID_QUERY}),
        200: {"description": "La page de résultats (JSON, CSV ou XML selon `format`)", "content": EXPORT_CONTENT},
    },
)
async def search_pieces(
    request: Request,
    caller: Caller,
    criteria: Annotated[SearchCriteria, Depends(search_criteria)],
    paging: Annotated[tuple[int, int, str], Depends(_paging)],
) -> SearchPage | Response:
    page, taille, format_ = paging
    fmt = _format(format_)
    found = await _queries(request).search(caller, criteria, page, taille)
    answer = SearchPage(
        page=page,
        taille=taille,
        total=found.total,
        pages=(found.total + taille - 1) // taille,
        resultats=[SearchItem(**item_fields(r, SearchItem)) for r in found.records],
    )
    if fmt is ExportFormat.JSON:
        return answer
    rows = [item.model_dump(mode="json") for item in answer.resultats]
    attributes = {"page": page, "taille": taille, "total": answer.total, "pages": answer.pages}
    return _export(fmt, "pieces", _columns(SearchItem), rows, "pieces", attributes, "piece")


# ---- tableau de bord --------------------------------------------------------------------------------


@router.get(
    "/tableau-de-bord",
    response_model=Dashboard,
    summary="Tableau de bord : mes pièces comptées par structure, service, cadre et statut",
    description="Pour chacune des structures de l'appelant, le nombre de pièces qu'il peut consulter et dont "
    "elle est partie, par code service (la ligne `code_service: null`, « Sans service », compte les pièces qui "
    "n'en nomment pas), puis par cadre, puis par statut. Une habilitation limitée à un service ne compte que "
    "les pièces de ce service." + SHOWN_STATUS,
    responses=problem_responses(AUTH),
)
async def get_dashboard(request: Request, caller: Caller) -> Dashboard:
    ctx = context(request)
    records = await _queries(request).dashboard_records(caller)
    counts = dashboard_counts(records, caller.sirets(), lambda siret, service: caller.can_read([siret], service))
    structures = await ctx.directory.existing({c.siret for c in counts})
    views = []
    for structure_counts in counts:
        structure = structures.get(structure_counts.siret)
        labels = {s.code: s.libelle for s in structure.services} if structure else {}
        services = [
            ServiceCountsView(
                code_service=service.code_service,
                libelle=SANS_SERVICE
                if service.code_service is None
                else labels.get(service.code_service, service.code_service),
                total=service.total,
                cadres=[
                    CadreCounts(cadre=cadre, total=sum(statuts.values()), statuts=dict(sorted(statuts.items())))
                    for cadre, statuts in service.cadres.items()
                ],
            )
            for service in structure_counts.services.values()
        ]
        views.append(
            StructureCountsView(
                siret=structure_counts.siret,
                nom=structure.nom if structure else None,
                total=structure_counts.total,
                services=services,
            )
        )
    return Dashboard(structures=views)


# ---- liste fiscale ----------------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


@router.get(
    "/liste-fiscale",
    response_model=FiscalList,
    summary="Liste fiscale des pièces payables",
    description="Les pièces qui parviennent au service financier (cadres A6, A8, A16, A19, A23, A24, A25) que "
    "l'appelant peut consulter, avec leurs montants, pour la période de dates de pièce `du`–`au` (bornes "
    "incluses, facultatives) et, si `structure` est donnée, celles dont cette structure est partie. "
    "Triées par date de pièce puis numéro ; les totaux portent sur toutes les lignes. "
    "`format=csv` ou `format=xml` exporte la liste (en XML, les totaux sont des attributs de la racine)."
    + SHOWN_STATUS,
    responses={
        **problem_responses({**AUTH, 422: INVALID_QUERY}),
        200: {"description": "La liste fiscale (JSON, CSV ou XML selon `format`)", "content": EXPORT_CONTENT},
    },
)
async def get_fiscal_list(
    request: Request,
    caller: Caller,
    du: Annotated[IsoDate | None, Query(description="Date de pièce à partir de ce jour")] = None,
    au: Annotated[IsoDate | None, Query(description="Date de pièce au plus tard ce jour")] = None,
    structure: Annotated[Siret | None, Query(description="SIRET d'une structure partie à la pièce")] = None,
    format_: FormatQuery = "json",
) -> FiscalList | Response:
    fmt = _format(format_)
    check_interval("dates de pièce", du, au)
    records = await _queries(request).fiscal(caller, du, au, structure)
    lines = [FiscalLine(**{k: r.get(k) for k in FiscalLine.model_fields}) for r in records]
    answer = FiscalList(
        du=du,
        au=au,
        total=len(lines),
        montant_ht_total=_money(sum((line.montant_ht for line in lines), Decimal(0))),
        montant_tva_total=_money(sum((line.montant_tva for line in lines), Decimal(0))),
        montant_ttc_total=_money(sum((line.montant_ttc for line in lines), Decimal(0))),
        lignes=lines,
    )
    if fmt is ExportFormat.JSON:
        return answer
    summary = answer.model_dump(mode="json", exclude={"lignes"})
    rows = [line.model_dump(mode="json") for line in lines]
    return _export(fmt, "liste-fiscale", _columns(FiscalLine), rows, "liste-fiscale", summary, "ligne")


# ---- export d'un dossier ----------------------------------------------------------------------------


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = moment.astimezone(PARIS)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


def _build_zip(files: list[tuple[str, datetime, bytes]], summary: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, moment, content in files:
            unique, n = name, 1
            while unique in used:
                n += 1
                stem, dot, ext = name.rpartition(".")
                unique = f"{stem}-{n}.{ext}" if dot and "/" not in ext else f"{name}-{n}"
            used.add(unique)
            entry = zipfile.ZipInfo(unique, date_time=_zip_time(moment))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
        document = json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")
        archive.writestr(zipfile.ZipInfo("dossier.json", date_time=_zip_time(utcnow())), document, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@router.get(
    "/dossiers/{dossier_id}/export",
    summary="Exporter un dossier (zip de ses documents)",
    description="Un zip avec, pour chaque pièce du dossier que l'appelant peut consulter, son document "
    "(`<numero>/<fichier>`) et ses pièces jointes (`<numero>/pieces-jointes/<index>-<fichier>`, index à partir "
    "de 0 comme `GET /v1/pieces/{id}/pieces-jointes/{index}`), et `dossier.json` : chaque pièce telle que "
    "`GET /v1/pieces/{id}` la montre, avec son historique.",
    responses={
        **problem_responses({**AUTH, 404: "Dossier inconnu ou non visible (`dossier_inconnu`)"}),
        **DOSSIER_GONE,
        200: {
            "description": "Le zip du dossier",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
async def export_dossier(request: Request, dossier_id: str, caller: Caller) -> Response:
    ctx = context(request)
    dossier, pieces = await visible_dossier(ctx, caller, dossier_id)
    files: list[tuple[str, datetime, bytes]] = []
    for record in pieces:
        folder, document, moment = safe_filename(record["numero"]), record["document"], record["deposee_le"]
        files.append(
            (f"{folder}/{safe_filename(document['filename'])}", moment, await ctx.documents.read(document["file_id"]))
        )
        for index, attachment in enumerate(document.get("attachments", [])):
            content = await ctx.documents.read(attachment["file_id"])
            files.append((f"{folder}/pieces-jointes/{index}-{safe_filename(attachment['filename'])}", moment, content))
    summary = {
        "dossier_id": dossier["_id"],
        "cadre_initial": dossier["cadre_initial"],
        "fournisseur": dossier["fournisseur"],
        "ouvert_le": dossier["ouvert_le"].isoformat(),
        "exporte_le": utcnow().isoformat(),
        "pieces": [piece_view(record).model_dump(mode="json") for record in pieces],
    }
    content = await asyncio.to_thread(_build_zip, files, summary)
    return Response(
        content,
        media_type="application/zip",
        headers=download_headers(f"dossier-{dossier_id}.zip"),
    )
