"""The archive service's HTTP side: the « Archives » search, archived dossiers and documents, an
on-demand sweep, health and metrics. The periodic sweep runs in ``archive.mover``."""

from fastapi import FastAPI

from archive import bootstrap
from archive.api import archives, operations
from archive.settings import ArchiveSettings
from messaging.serve import service_app


def create_app(settings: ArchiveSettings | None = None) -> FastAPI:
    settings = settings or ArchiveSettings()
    return service_app(
        title="Factures de travaux — archives",
        description="Dossiers sans modification depuis plus de deux ans : recherche, consultation et "
        "téléchargement, avec les habilitations du service de dépôt. Erreurs au format RFC 9457.",
        start=lambda: bootstrap.start(settings),
        stop=bootstrap.stop,
        routers=[archives.router, operations.router],
        settings=settings,
    )
