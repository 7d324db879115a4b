"""Routing's Prometheus metrics (the dead letters and handled events are ``messaging.delivery``'s)."""

from prometheus_client import Counter, Gauge

DECISIONS = Counter("routing_decisions_total", "Routing decisions", ["cadre", "outcome"])
ROUTING_ERRORS = Counter("routing_errors_total", "Routing errors by reason", ["code"])
DEADLINES = Counter("routing_deadlines_published_total", "Deadlines and penalties published", ["echeance"])
DIRECTORY_WAITS = Counter("routing_directory_waits_total", "Pièces that waited for a structure the view lacked")
WAITING = Gauge("routing_waiting_for_directory", "Pièces waiting now for a structure the view lacks")
DIRECTORY_REFRESHES = Counter(
    "routing_directory_refreshes_total", "Directory topic read again by a new consumer", ["reason"]
)
