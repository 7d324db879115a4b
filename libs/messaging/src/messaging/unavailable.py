"""A request that needs the database or the broker while it is unreachable answers 503, as an RFC 9457
problem (``service_indisponible``) with ``Retry-After``: the client retries later (with its
``Idempotency-Key``), and nothing half-done stays behind (the work is one transaction)."""

import logging

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pymongo.errors import ConnectionFailure

from messaging.problems import Problem, problem_response, problem_responses

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNREACHABLE = (ConnectionFailure, KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError)
ANSWERED = Counter("http_unavailable_total", "Requests answered 503 because a dependency was unreachable", ["cause"])

UNAVAILABLE_RESPONSE = problem_responses(
    {
        503: "Base de données ou broker momentanément injoignable (`service_indisponible`) : réessayer après `Retry-After`"
    }
)


def unavailable_problem() -> Problem:
    return Problem(
        "service_indisponible",
        "Service momentanément indisponible",
        f"Un composant du service est injoignable ; rien n'a été enregistré. Réessayez dans {RETRY_AFTER_SECONDS} s "
        "(avec la même clé Idempotency-Key).",
        503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_unavailable(app: FastAPI) -> None:
    async def on_unreachable(request: Request, exc: Exception) -> JSONResponse:
        cause = "database" if isinstance(exc, ConnectionFailure) else "broker"
        ANSWERED.labels(cause).inc()
        log.warning("%s %s: %s unreachable (%s): 503", request.method, request.url.path, cause, type(exc).__name__)
        return problem_response(unavailable_problem(), request.url.path)

    for error in UNREACHABLE:
        app.add_exception_handler(error, on_unreachable)
