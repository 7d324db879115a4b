"""Archive service settings, from the environment."""

from messaging.settings import CommonSettings


class ArchiveSettings(CommonSettings):
    archive_http_port: int = 8003
    http_host: str = "127.0.0.1"
    archive_database: str = "archive"
