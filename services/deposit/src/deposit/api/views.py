"""Builds the read models of pièces and dossiers from stored records."""

from dataclasses import asdict
from datetime import date
from typing import Any

from contracts import Cadre, CategorieEntite, Statut, info, libelle
from contracts.payment_terms import payment_deadline
from deposit.adapters.pieces import snapshot_of
from deposit.api.models import DossierView, PaymentDeadlineView, PieceView
from deposit.domain.circuit import allowed_actions
from readmodel.views import document_info, history


def piece_view(record: dict[str, Any]) -> PieceView:
    piece_id = record["_id"]
    document = record["document"]
    computed = {
        "piece_id", "cadre_libelle", "statut_libelle", "document", "pieces_jointes", "historique", "actions_possibles",
    }  # fmt: skip
    fields = {k: record[k] for k in PieceView.model_fields if k not in computed and k in record}
    return PieceView(
        **fields,
        piece_id=piece_id,
        cadre_libelle=info(record["cadre"]).libelle,
        statut_libelle=libelle(record["statut"]),
        document=document_info(document, f"/v1/pieces/{piece_id}/document"),
        pieces_jointes=[
            document_info(attachment, f"/v1/pieces/{piece_id}/pieces-jointes/{index}")
            for index, attachment in enumerate(document.get("attachments", []))
        ],
        historique=history(record),
        actions_possibles=allowed_actions(snapshot_of(record)),
    )


def dossier_view(
    dossier: dict[str, Any], pieces: list[dict[str, Any]], categorie: CategorieEntite | None, today: date
) -> DossierView:
    history = [(Cadre(p["cadre"]), Statut(h["statut"]), h["at"]) for p in pieces for h in p["historique"]]
    latest = pieces[-1] if pieces else {}
    return DossierView(
        dossier_id=dossier["_id"],
        cadre_initial=dossier["cadre_initial"],
        fournisseur=dossier["fournisseur"],
        valideur=latest.get("valideur"),
        moe=latest.get("moe"),
        moa=latest.get("moa"),
        destinataire=latest.get("destinataire"),
        parties=dossier["parties"],
        ouvert_le=dossier["ouvert_le"],
        derniere_activite=dossier["derniere_activite"],
        delai_paiement=PaymentDeadlineView(
            **asdict(payment_deadline(history, categorie, today)), penalites=dossier.get("penalites")
        ),
        pieces=[piece_view(p) for p in pieces],
    )
