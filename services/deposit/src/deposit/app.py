"""The deposit service's FastAPI application."""

from fastapi import FastAPI

from deposit import bootstrap
from deposit.api import (
    accounts,
    actions,
    audit,
    clock,
    dossiers,
    internal,
    pieces,
    publication,
    rattachements,
    read,
    refusals,
    structures,
)
from deposit.api.uploads import MULTIPART_ALLOWANCE
from deposit.settings import DepositSettings
from messaging.serve import service_app


def create_app(settings: DepositSettings | None = None) -> FastAPI:
    settings = settings or DepositSettings()
    app = service_app(
        title="Factures de travaux — dépôt",
        description="Dépôt et consultation des pièces de facturation de travaux. "
        "Erreurs au format RFC 9457 (application/problem+json) avec un `code` stable.",
        start=lambda: bootstrap.start(settings),
        stop=bootstrap.stop,
        routers=[pieces.router, actions.router, dossiers.router, read.router]
        + [structures.router, rattachements.router, accounts.router, audit.router, publication.router]
        + [internal.router(settings.internal_token)]
        + ([clock.router] if settings.clock_control else []),
        settings=settings,
        body_limits={
            route: settings.max_deposit_bytes + MULTIPART_ALLOWANCE
            for route in ("POST /v1/pieces", "POST /v1/pieces/{piece_id}/actions/completer")
        },
    )
    refusals.install(app)
    return app
