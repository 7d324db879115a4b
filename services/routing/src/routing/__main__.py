"""``python -m routing``: create the topics if needed, then run the faust worker."""

import asyncio

import faust

from messaging.kafka import ensure_topics
from messaging.logs import configure
from routing.app import app, settings


def main() -> None:
    configure("routing", settings.log_level)
    asyncio.run(
        ensure_topics(settings.kafka_bootstrap_servers, settings.topic_partitions, settings.topic_replication_factor)
    )
    faust.Worker(app, loglevel=settings.log_level, override_logging=False).execute_from_commandline()


if __name__ == "__main__":
    main()
