"""The deposit service's FastAPI application."""

from fastapi import FastAPI

from deposit import bootstrap
from deposit.api import actions, clock, directory, dossiers, internal, pieces, publication, read
from deposit.settings import DepositSettings
from messaging.serve import service_app


def create_app(settings: DepositSettings | None = None) -> FastAPI:
    settings = settings or DepositSettings()
    return service_app(
        title="Factures de travaux — dépôt",
        description="Dépôt et consultation des pièces de facturation de travaux. "
        "Erreurs au format RFC 9457 (application/problem+json) avec un `code` stable.",
        start=lambda: bootstrap.start(settings),
        stop=bootstrap.stop,
        routers=[pieces.router, actions.router, dossiers.router, directory.router, read.router, publication.router]
        + [internal.router(settings.internal_token)]
        + ([clock.router] if settings.clock_control else []),
    )
