"""``python -m archive``: run the archive service."""

from messaging.logs import configure
from messaging.serve import serve

from archive.app import create_app
from archive.settings import ArchiveSettings


def main() -> None:
    settings = ArchiveSettings()
    configure("archive", settings.log_level)
    serve(create_app(settings), settings.archive_http_port, settings.http_host, settings.log_level)


if __name__ == "__main__":
    main()
