"""How a pièce reads wherever it is kept (deposit's active store, the archive): its list items, its
history, its files' descriptions and their download answers, built from a stored pièce record."""

import base64
from datetime import date, datetime
from typing import Any

from fastapi import Response
from pydantic import BaseModel, Field

from contracts import Cadre, Statut, info, libelle
from contracts.files import served_type
from contracts.money import Montant
from readmodel.downloads import download_headers


class HistoryItem(BaseModel):
    statut: Statut
    libelle: str
    at: datetime
    comment: str | None = None
    action: str | None = Field(default=None, description="deposer, acheminer, refuser, traiter...")
    motif: str | None = None
    par: str | None = Field(default=None, description="The user who acted; absent when the platform did")


class DocumentInfo(BaseModel):
    filename: str
    content_type: str
    size: int
    sha256: str
    href: str


class PieceItem(BaseModel):
    """A pièce in a list: what identifies it, where it stands and what it is worth."""

    piece_id: str
    dossier_id: str
    numero: str
    cadre: Cadre
    cadre_libelle: str
    statut: Statut
    statut_libelle: str
    montant_ttc: Montant
    fournisseur: str = Field(description="SIRET du fournisseur")
    updated_at: datetime = Field(description="Dernier changement de statut")


class SearchItem(PieceItem):
    date_piece: date
    deposee_le: datetime
    montant_ht: Montant
    montant_tva: Montant
    montant_a_payer: Montant
    devise: str
    moe: str | None = None
    moa: str | None = None
    destinataire: str | None = None
    numero_marche: str | None = None
    code_service: str | None = None


def item_fields(record: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The fields of ``model`` a stored pièce record gives, with its labels."""
    fields = {k: record.get(k) for k in model.model_fields if k in record}
    fields.update(
        piece_id=record["_id"],
        cadre_libelle=info(record["cadre"]).libelle,
        statut_libelle=libelle(record["statut"]),
        updated_at=record.get("updated_at") or record["deposee_le"],
    )
    return fields


def history(record: dict[str, Any]) -> list[HistoryItem]:
    return [HistoryItem(**h, libelle=libelle(h["statut"])) for h in record["historique"]]


def document_info(stored: dict[str, Any], href: str) -> DocumentInfo:
    return DocumentInfo(**{k: stored[k] for k in ("filename", "content_type", "size", "sha256")}, href=href)


def file_response(content: bytes, stored: dict[str, Any]) -> Response:
    """A stored document or attachment as a download, with its SHA-256 as ``Repr-Digest`` (RFC 9530): served
    with the passive media type its extension gives (whatever the uploader declared), never sniffed."""
    return Response(
        content,
        media_type=served_type(stored["filename"], stored.get("content_type")),
        headers={
            **download_headers(stored["filename"]),
            "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(stored['sha256'])).decode()}:",
        },
    )
