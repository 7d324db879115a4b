"""Request body limits, enforced before and while the body streams in, never by buffering it.

A request announcing more than its route's maximum (``Content-Length``) is answered 413
``requete_trop_volumineuse`` before a byte of its body is read; one that streams more (chunked, or
lying about its length) is cut off at the first chunk past the maximum: whatever the application was
doing with the body is dropped and the same 413 goes out instead.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from re import Pattern

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from messaging.problems import Problem, problem_response


class BodyTooLarge(Exception):
    """Raised from ``receive`` when the body passes its maximum; the middleware answers 413."""


@dataclass(frozen=True)
class RouteLimit:
    method: str
    path: Pattern[str]
    max_bytes: int


def route_limits(limits: Mapping[str, int]) -> list[RouteLimit]:
    """``{"POST /v1/pieces/{piece_id}/actions/completer": bytes}`` → matchers (path templates as routes)."""
    compiled = []
    for route, max_bytes in limits.items():
        method, _, template = route.partition(" ")
        compiled.append(RouteLimit(method.upper(), compile_path(template)[0], max_bytes))
    return compiled


def too_large(max_bytes: int, instance: str) -> Problem:
    return Problem(
        "requete_trop_volumineuse",
        "Requête trop volumineuse",
        f"Le corps de la requête dépasse {max_bytes} octets, le maximum de {instance}.",
        413,
    )


def announced_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """ASGI middleware: ``default_max`` bytes per request body, or its route's maximum from ``limits``."""

    def __init__(self, app: ASGIApp, default_max: int, limits: Mapping[str, int] | None = None):
        self.app = app
        self.default_max = default_max
        self.limits = route_limits(limits or {})

    def max_for(self, scope: Scope) -> int:
        for limit in self.limits:
            if limit.method == scope["method"] and limit.path.match(scope["path"]):
                return limit.max_bytes
        return self.default_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.max_for(scope)
        problem = too_large(max_bytes, scope["path"])
        length = announced_length(scope)
        if length is not None and length > max_bytes:
            await problem_response(problem, scope["path"])(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # the application answered something about a body it could not have: drop it
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await problem_response(problem, scope["path"])(scope, receive, send)
