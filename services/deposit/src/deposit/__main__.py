"""``python -m deposit``: run the deposit service."""

from deposit.app import create_app
from deposit.settings import DepositSettings
from messaging.logs import configure
from messaging.serve import serve


def main() -> None:
    settings = DepositSettings()
    configure("deposit", settings.log_level)
    serve(create_app(settings), settings.deposit_http_port, settings.http_host, settings.log_level)


if __name__ == "__main__":
    main()
