"""Deposit service settings, from the environment."""

from pydantic import Field, model_validator

from messaging.settings import CommonSettings

MIB = 1024 * 1024


class DepositSettings(CommonSettings):
    deposit_http_port: int = 8000
    http_host: str = "127.0.0.1"
    deposit_database: str = "deposit"
    max_document_bytes: int = 20 * MIB
    max_attachment_bytes: int = 20 * MIB
    max_attachments: int = 20
    # A deposit (document + attachments) or a completion (attachments) is written in ONE MongoDB
    # transaction, which must fit the storage engine's cache: see README « Size limits ».
    max_deposit_bytes: int = 24 * MIB
    # Off only to prove the outbox: pièces are stored, their events wait until a relay runs.
    outbox_relay_enabled: bool = True
    # Off for a replica that only serves the API while others consume (the tests start one such
    # short-lived replica, with its own settings, next to the main one).
    consumers_enabled: bool = True
    outbox_lease_seconds: float = 10.0
    # Idempotency-Key: how long a reserved key stays with an attempt whose process may have died (longer
    # than the longest request's work, from its body received to its commit), and how long an identical
    # request waits for the first one's answer before 409 requete_en_cours.
    idempotency_lease_seconds: float = 60.0
    idempotency_wait_seconds: float = 5.0
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
    # Accounts (docs/authority.md): how long an invitation and a sign-in code stay valid, and how many
    # codes one address may be sent per hour (one per minute at most).
    invitation_days: int = Field(default=7, ge=1)
    signin_code_minutes: int = Field(default=15, ge=1)
    account_codes_per_hour: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _limits_are_coherent(self) -> "DepositSettings":
        """Every file a limit accepts must fit the total, or a deposit inside the limits would be refused."""
        for name in ("max_document_bytes", "max_attachment_bytes", "max_deposit_bytes", "max_attachments"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.upper()} must be at least 1")
        for name in ("max_document_bytes", "max_attachment_bytes"):
            if getattr(self, name) > self.max_deposit_bytes:
                raise ValueError(
                    f"{name.upper()} ({getattr(self, name)}) exceeds MAX_DEPOSIT_BYTES ({self.max_deposit_bytes}): "
                    "a file within its own limit would make a deposit above the total"
                )
        return self
