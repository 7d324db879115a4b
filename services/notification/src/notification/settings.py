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
