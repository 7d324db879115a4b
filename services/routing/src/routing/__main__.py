"""``python -m routing``: run the faust worker (it creates the topics it misses: ``messaging.broker``)."""

import faust

from messaging.logs import configure
from routing.app import app, settings


def main() -> None:
    configure("routing", settings.log_level)
    faust.Worker(app, loglevel=settings.log_level, override_logging=False).execute_from_commandline()


if __name__ == "__main__":
    main()
