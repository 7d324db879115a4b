"""``python -m archive``: run the archive service."""

from archive.app import create_app
from archive.settings import ArchiveSettings
from messaging.serve import run

if __name__ == "__main__":
    settings = ArchiveSettings()
    run("archive", create_app(settings), settings.archive_http_port, settings.http_host, settings.log_level)
