"""A refusal of the domain or the use cases (``deposit.domain.errors``) as an HTTP answer: its kind gives
the status, the rest an RFC 9457 problem document (``messaging.problems``)."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from deposit.domain.errors import Refusal, RefusalKind
from messaging.problems import FieldError, Problem, problem_response

STATUS: dict[RefusalKind, int] = {
    RefusalKind.MALFORMED: 400,
    RefusalKind.UNAUTHENTICATED: 401,
    RefusalKind.FORBIDDEN: 403,
    RefusalKind.NOT_FOUND: 404,
    RefusalKind.CONFLICT: 409,
    RefusalKind.GONE: 410,
    RefusalKind.TOO_LARGE: 413,
    RefusalKind.UNSUPPORTED_TYPE: 415,
    RefusalKind.INVALID: 422,
}


def status_of(refusal: Refusal | Problem) -> int:
    return refusal.status if isinstance(refusal, Problem) else STATUS[refusal.kind]


def as_problem(refusal: Refusal) -> Problem:
    headers = {}
    if refusal.retry_after is not None:
        headers["Retry-After"] = str(refusal.retry_after)
    if refusal.moved_to is not None:
        headers["Link"] = f'<{refusal.moved_to}>; rel="alternate"'
    return Problem(
        refusal.code,
        refusal.title,
        refusal.detail,
        STATUS[refusal.kind],
        [FieldError(e.field, e.code, e.message) for e in refusal.errors],
        dict(refusal.extensions),
        headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def on_refusal(request: Request, exc: Refusal) -> JSONResponse:
        return problem_response(as_problem(exc), request.url.path)
