"""Routing service settings, from the environment."""

from decimal import Decimal

from pydantic import Field

from messaging.settings import CommonSettings


class RoutingSettings(CommonSettings):
    routing_http_port: int = 8001
    http_host: str = "127.0.0.1"
    routing_database: str = "routing"
    # The ECB main refinancing rate in force on the first day of the current half-year (CCP R2192-31), in
    # percent: update it each 1 January and 1 July. 2.15 % since 11 June 2025.
    ecb_main_refinancing_rate: Decimal = Field(default=Decimal("2.15"), ge=0)
    directory_refresh_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A pièce waiting this long for a structure has the directory view read its topic anew",
    )
    deadline_sweep_seconds: float = Field(default=10.0, gt=0, description="How often due deadlines are published")
    deadline_sweep_batch: int = Field(default=2000, gt=0, description="Dossiers handled per sweep, at most")
    deadline_sweep_concurrency: int = Field(default=8, gt=0, description="Dossiers published at once in a sweep")
    deadline_lease_seconds: float = Field(
        default=60.0,
        ge=1.0,
        description="How long a sweeper holds a dossier it publishes: a killed sweeper's dossiers wait this long",
    )
