"""``python -m deposit``: run the deposit service."""

from deposit.app import create_app
from deposit.settings import DepositSettings
from messaging.serve import run

if __name__ == "__main__":
    settings = DepositSettings()
    run("deposit", create_app(settings), settings.deposit_http_port, settings.http_host, settings.log_level)
