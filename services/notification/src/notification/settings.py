"""Notification service settings, from the environment."""

from messaging.settings import CommonSettings


class NotificationSettings(CommonSettings):
    notification_http_port: int = 8002
    http_host: str = "127.0.0.1"
    notification_database: str = "notification"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 10.0
    smtp_pool_size: int = 4
    mail_from: str = "Factures de travaux <ne-pas-repondre@travaux.localhost>"
    public_base_url: str = "http://127.0.0.1:8000"
    # Delivery: a temporary SMTP failure is retried after base × 2^(n-1) seconds (capped, with jitter),
    # at most smtp_max_attempts times; then, or at once on a 5xx, the mail goes to the dead letters.
    smtp_retry_base_seconds: float = 1.0
    smtp_retry_max_seconds: float = 60.0
    smtp_max_attempts: int = 10
    sender_concurrency: int = 4
    sender_batch: int = 200
    sender_poll_seconds: float = 1.0
