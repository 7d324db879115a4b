"""The operations endpoints (health and metrics) and their own secret, ``OPS_TOKEN``.

Unset (the default), ``/health/live``, ``/health/ready`` and ``/metrics`` answer anyone: probes and
scrapers send no header. Set, they answer only ``Authorization: Bearer <OPS_TOKEN>``, on every service
(FastAPI and faust alike). Nothing else on the services is reachable without a token.
"""

import hmac

from messaging.problems import Problem

OPS_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})
SCHEME = "exploitation"
SCHEME_DESCRIPTION = "Le jeton d'exploitation (`OPS_TOKEN`), exigé sur la santé et les métriques quand il est défini."
REFUSED = "Jeton d'exploitation absent ou faux (`jeton_exploitation_invalide`)"
NOT_READY = "Not ready: the `checks` member says what is not usable"
# What /health/live and /health/ready answer (200 and 503 alike), and the media type of /metrics.
HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "examples": ["ok", "unavailable"]},
        "checks": {"type": "object", "description": "Each probe of readiness and whether it passed"},
    },
}


def ops_refusal(authorization: str | None, ops_token: str | None) -> Problem | None:
    """None when the request may read an operations endpoint; else the 401 to answer."""
    if not ops_token or hmac.compare_digest((authorization or "").encode(), f"Bearer {ops_token}".encode()):
        return None
    return Problem(
        "jeton_exploitation_invalide",
        "Jeton d'exploitation requis",
        "La santé et les métriques de ce service demandent « Authorization: Bearer <OPS_TOKEN> ».",
        401,
        headers={"WWW-Authenticate": 'Bearer realm="exploitation"'},
    )
