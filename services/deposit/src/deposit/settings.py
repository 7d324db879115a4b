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
    public_base_url: str = "http://127.0.0.1:8000"
