"""One logging setup for every service: a line per record, service name first."""

import logging
import sys
import time


class OncePer(logging.Filter):
    """Lets one record per logger and message template through every ``seconds``: a client library
    that logs each failed reconnection (several a second while the broker is away) says it once."""

    def __init__(self, seconds: float = 10.0):
        super().__init__()
        self.seconds = seconds
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key, now = (record.name, str(record.msg)), time.monotonic()
        if now - self._last.get(key, float("-inf")) < self.seconds:
            return False
        self._last[key] = now
        return True


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
    once = OncePer()
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not record.name.startswith("aiokafka") or once.filter(record))
