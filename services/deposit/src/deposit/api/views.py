"""Builds the read models of pièces and dossiers from stored records."""

from typing import Any

from contracts import info, libelle
from deposit.api.models import DocumentInfo, DossierView, HistoryItem, PieceView


def piece_view(record: dict[str, Any]) -> PieceView:
    piece_id = record["_id"]
    document = record["document"]
    computed = {"piece_id", "cadre_libelle", "statut_libelle", "document", "historique"}
    fields = {k: record.get(k) for k in PieceView.model_fields if k not in computed}
    return PieceView(
        **fields,
        piece_id=piece_id,
        cadre_libelle=info(record["cadre"]).libelle,
        statut_libelle=libelle(record["statut"]),
        document=DocumentInfo(
            filename=document["filename"],
            content_type=document["content_type"],
            size=document["size"],
            sha256=document["sha256"],
            href=f"/v1/pieces/{piece_id}/document",
        ),
        historique=[HistoryItem(**h, libelle=libelle(h["statut"])) for h in record["historique"]],
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
