"""One logging setup for every service: a line per record, service name first."""

import logging
import sys


def configure(service: str, level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stdout,
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)
    # One INFO line per request otherwise: every token resolution (GET /v1/moi) and every copy request.
    logging.getLogger("httpx").setLevel(logging.WARNING)
