"""A pièce changed status: keep, per dossier, the facts the legal deadlines are computed from (once per
event id: a re-delivered status event changes nothing), with the category that sets the délai de
paiement and the pièce's parties (who may read the dossier's deadlines)."""

from typing import Any

from contracts import CategorieEntite, Envelope, PieceSnapshot, PieceStatusChanged
from readmodel.access import PieceParties
from routing.context import RoutingContext
from routing.domain.deadlines import Fact, matters
from routing.ports import Directory


def categorie_of(piece: PieceSnapshot, directory: Directory) -> CategorieEntite | None:
    """The category that sets the délai de paiement: the destinataire's, else the MOA's."""
    for siret in (piece.destinataire, piece.moa):
        structure = directory(siret) if siret else None
        if structure is not None and structure.categorie is not None:
            return structure.categorie
    return None


async def on_status_changed(ctx: RoutingContext, envelope: Envelope[Any]) -> None:
    changed: PieceStatusChanged = envelope.data
    if not matters(changed.statut):
        return
    piece = changed.piece
    fact = Fact(
        str(envelope.id),
        piece.piece_id,
        piece.cadre,
        changed.statut,
        changed.changed_at,
        piece.montant_a_payer,
        bool(changed.mise_en_paiement_masquee),
    )
    await ctx.directory.loaded.wait()  # the délai depends on the parties' category
    await ctx.deadlines.record(piece.dossier_id, fact, categorie_of(piece, ctx.directory), PieceParties.of(piece))
