"""``/internal/v1``: what the archive service copies a dossier from (``messaging.internal``)."""

from bson import ObjectId
from bson.errors import InvalidId
from fastapi import APIRouter, Request, Response
from gridfs.errors import NoFile

from deposit.api.context import context
from deposit.usecases.handover import dossier_bundle
from messaging.internal import extended_json, internal_router
from messaging.problems import Problem


def router(token: str | None) -> APIRouter:
    internal = internal_router(token)

    @internal.get("/dossiers/{dossier_id}")
    async def bundle(request: Request, dossier_id: str) -> Response:
        """The dossier as stored, its documents' list and its fingerprint (Extended JSON)."""
        ctx = context(request)
        found = await dossier_bundle(ctx.pieces, dossier_id)
        if found is not None:
            return extended_json(found)
        tombstone = await ctx.archived.of_dossier(dossier_id)
        if tombstone is not None:
            raise Problem(
                "dossier_archive",
                "Dossier archivé",
                f"Le dossier {dossier_id} a quitté le stock actif (déplacement {tombstone['move_id']}).",
                410,
                extensions={"archive_url": tombstone["location"], "move_id": tombstone["move_id"]},
            )
        raise Problem("dossier_inconnu", "Dossier inconnu", f"Aucun dossier {dossier_id}.", 404)

    @internal.get("/documents/{file_id}")
    async def document(request: Request, file_id: str) -> Response:
        ctx = context(request)
        try:
            content = await ctx.documents.read(ObjectId(file_id))
        except (InvalidId, NoFile):
            raise Problem("document_inconnu", "Document inconnu", f"Aucun document {file_id}.", 404) from None
        return Response(content, media_type="application/octet-stream")

    return internal
