"""``python -m archive``: run the archive service."""

from archive.app import create_app
from archive.settings import ArchiveSettings
from messaging.logs import configure
from messaging.serve import serve


def main() -> None:
    settings = ArchiveSettings()
    configure("archive", settings.log_level)
    serve(create_app(settings), settings.archive_http_port, settings.http_host, settings.log_level)


if __name__ == "__main__":
    main()
