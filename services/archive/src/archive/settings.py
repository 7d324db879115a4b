"""Archive service settings, from the environment (the API process and the mover read the same ones)."""

from pydantic import Field

from messaging.settings import CommonSettings


class ArchiveSettings(CommonSettings):
    archive_http_port: int = 8003
    archive_mover_port: int = Field(default=8004, description="The mover's health, metrics and admin pages")
    http_host: str = "127.0.0.1"
    archive_database: str = "archive"
    # Where people and the active side reach the archive: the links of 410 answers point here.
    archive_public_url: str = "http://127.0.0.1:8003"
    # Where the owners of a dossier's records serve them (/internal/v1, with INTERNAL_TOKEN).
    deposit_internal_url: str = "http://127.0.0.1:8000"
    notification_internal_url: str = "http://127.0.0.1:8002"

    archive_after_years: int = Field(default=2, ge=1, description="Calendar years without activity before a move")
    archive_sweep_seconds: float = Field(default=3600.0, gt=0, description="Period of the mover's sweep")
    archive_batch_size: int = Field(default=200, gt=0, description="Dossiers claimed per batch of a sweep")
    archive_concurrency: int = Field(default=4, gt=0, description="Dossiers moved at once")
    archive_lease_seconds: float = Field(
        default=300.0, gt=0, description="A dossier being moved is left alone this long; then a sweep resumes it"
    )
    archive_announce_wait_seconds: float = Field(
        default=600.0,
        gt=0,
        description="How long an announced move waits for its owner's answer before announcing again",
    )
    # Fault-injection for the crash tests only: stop for archive_pause_seconds after the named step
    # (copied, verified, announced) so a test can kill the process there.
    archive_pause_after: str | None = None
    archive_pause_seconds: float = 0.0
