"""The deposit service's FastAPI application."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from deposit import bootstrap
from deposit.api import dossiers, pieces, structures
from deposit.settings import DepositSettings
from messaging import problems
from messaging.http import operations_router


def create_app(settings: DepositSettings | None = None) -> FastAPI:
    settings = settings or DepositSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = await bootstrap.start(settings)
        app.state.ctx = ctx
        try:
            yield
        finally:
            await bootstrap.stop(ctx)

    app = FastAPI(
        title="Factures de travaux — dépôt",
        version="0.1.0",
        description="Dépôt et consultation des pièces de facturation de travaux. Erreurs au format RFC 9457 avec un `code` stable.",
        lifespan=lifespan,
    )
    problems.install(app)
    app.include_router(pieces.router)
    app.include_router(dossiers.router)
    app.include_router(structures.router)

    async def ready() -> bool:
        return await app.state.ctx.ready()

    app.include_router(operations_router({"ready": ready}))
    return app
