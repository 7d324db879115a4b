"""Deposit service settings, from the environment."""

from messaging.settings import CommonSettings


class DepositSettings(CommonSettings):
    deposit_http_port: int = 8000
    http_host: str = "127.0.0.1"
    deposit_database: str = "deposit"
    max_document_bytes: int = 20 * 1024 * 1024
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_attachments: int = 20
    # Off only to prove the outbox: pièces are stored, their events wait until a relay runs.
    outbox_relay_enabled: bool = True
    outbox_lease_seconds: float = 10.0
    # Published events are kept this long with where the broker put them: what a broker loses within
    # this window is published again (messaging.outbox).
    outbox_retention_seconds: float = 3600.0
    # A pièce sent to routing without a decision after this many seconds is sent again (same event id);
    # the reconciler looks every RECONCILE_INTERVAL_SECONDS (deposit.reconciler).
    reconcile_after_seconds: float = 60.0
    reconcile_interval_seconds: float = 5.0
    public_base_url: str = "http://127.0.0.1:8000"
    # The bootstrap administrator: manages the directory (structures, users, habilitations, tokens).
    # No token, no administrator: set DEPOSIT_ADMIN_TOKEN from a secret in production.
    deposit_admin_email: str = "admin@travaux.local"
    deposit_admin_token: str | None = None
    # Seconds a bearer token's habilitations may be served from memory (0: read on every request).
    # Changes made through this instance apply at once; through another instance, within this delay.
    auth_cache_seconds: float = 5.0
