"""The archive mover's OpenAPI document (``/openapi.json`` on ``ARCHIVE_MOVER_PORT``): faust serves its
pages, so the document is written here, and a test checks it against the routes the mover serves."""

from typing import Any

from archive.settings import ArchiveSettings
from messaging.openapi import clock_paths
from messaging.openapi import document as openapi_document


def document(settings: ArchiveSettings) -> dict[str, Any]:
    return openapi_document(
        "Factures de travaux — archivage (déplaceur)",
        "Le passage périodique qui déplace aux archives les dossiers sans activité depuis deux ans : santé, "
        "métriques et, en essai, son horloge métier. Erreurs au format RFC 9457.",
        clock_paths() if settings.clock_control else {},
        settings.ops_token,
    )
