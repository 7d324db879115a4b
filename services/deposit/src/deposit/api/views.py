"""Builds the read models of pièces and dossiers from stored records."""

from typing import Any

from contracts import info, libelle
from deposit.api.models import DocumentInfo, DossierView, HistoryItem, PieceView


def piece_view(record: dict[str, Any]) -> PieceView:
    piece_id = record["_id"]
    document = record["document"]
    computed = {"piece_id", "cadre_libelle", "statut_libelle", "document", "pieces_jointes", "historique"}
    fields = {k: record[k] for k in PieceView.model_fields if k not in computed and k in record}
    return PieceView(
        **fields,
        piece_id=piece_id,
        cadre_libelle=info(record["cadre"]).libelle,
        statut_libelle=libelle(record["statut"]),
        document=_document_info(document, f"/v1/pieces/{piece_id}/document"),
        pieces_jointes=[
            _document_info(attachment, f"/v1/pieces/{piece_id}/pieces-jointes/{index}")
            for index, attachment in enumerate(document.get("attachments", []))
        ],
        historique=[HistoryItem(**h, libelle=libelle(h["statut"])) for h in record["historique"]],
    )


def _document_info(stored: dict[str, Any], href: str) -> DocumentInfo:
    return DocumentInfo(
        filename=stored["filename"],
        content_type=stored["content_type"],
        size=stored["size"],
        sha256=stored["sha256"],
        href=href,
    )


def dossier_view(dossier: dict[str, Any], pieces: list[dict[str, Any]]) -> DossierView:
    return DossierView(
        dossier_id=dossier["_id"],
        cadre_initial=dossier["cadre_initial"],
        fournisseur=dossier["fournisseur"],
        moe=dossier.get("moe"),
        moa=dossier.get("moa"),
        ouvert_le=dossier["ouvert_le"],
        derniere_activite=dossier["derniere_activite"],
        pieces=[piece_view(p) for p in pieces],
    )
