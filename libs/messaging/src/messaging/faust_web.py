"""faust's web server (aiohttp) held to the FastAPI services' rules, for routing and the archive's mover.

- None of faust's built-in pages: ``/router``, ``/table``, ``/graph``, the statistics and the index at ``/``
  expose the cluster's topology and the tables' data to anyone (``PAGES_OFF``, given to ``faust.App``;
  ``secure`` also drops the index page, which no setting turns off).
- Errors answer as RFC 9457 problems: a ``Problem`` raised by a view, an unknown path (404
  ``ressource_introuvable``), a method the path does not take (405 ``methode_non_autorisee`` with
  ``Allow``), and any failure (500 ``erreur_interne``, never aiohttp's text/plain).
- ``/health/*`` and ``/metrics`` ask for ``OPS_TOKEN`` when it is set (``messaging.ops``).
- ``/openapi.json`` serves the service's hand-written document (``messaging.openapi``); ``/metrics`` the
  Prometheus metrics (each service keeps its own ``/health/*``).
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

import faust
from aiohttp import web as aioweb
from faust.web.base import BlueprintManager
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from messaging.clock import Clock, ClockOffset, ClockState
from messaging.ops import OPS_PATHS, ops_refusal
from messaging.problems import MEDIA_TYPE, Problem, problem_body
from messaging.unavailable import UNREACHABLE, unavailable_problem

log = logging.getLogger(__name__)

PAGES_OFF: dict[str, bool] = {
    "web_router_enabled": False,
    "web_tables_enabled": False,
    "web_graph_enabled": False,
    "web_stats_enabled": False,
    "web_metrics_enabled": False,
}


def problem_response(problem: Problem, path: str) -> aioweb.Response:
    return aioweb.json_response(
        problem_body(problem, path), status=problem.status, content_type=MEDIA_TYPE, headers=problem.headers
    )


def _guard(ops_token: str | None) -> Callable[..., Awaitable[aioweb.StreamResponse]]:
    @aioweb.middleware
    async def guard(request: aioweb.Request, handler: Callable[..., Awaitable[Any]]) -> aioweb.StreamResponse:
        try:
            if request.path in OPS_PATHS:
                refusal = ops_refusal(request.headers.get("Authorization"), ops_token)
                if refusal is not None:
                    raise refusal
            return await handler(request)
        except Problem as problem:
            return problem_response(problem, request.path)
        except aioweb.HTTPMethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.allowed_methods))
            detail = f"{request.method} n'est pas accepté ici ; méthodes acceptées : {allowed}."
            refused = Problem("methode_non_autorisee", "Méthode non autorisée", detail, 405, headers={"Allow": allowed})
            return problem_response(refused, request.path)
        except aioweb.HTTPNotFound:
            missing = Problem(
                "ressource_introuvable", "Ressource introuvable", f"Aucune ressource {request.path}.", 404
            )
            return problem_response(missing, request.path)
        except aioweb.HTTPException:
            raise
        except UNREACHABLE as exc:  # the database or the broker away: 503, as on the FastAPI services
            log.warning("%s %s: unreachable dependency (%s): 503", request.method, request.path, type(exc).__name__)
            return problem_response(unavailable_problem(), request.path)
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            failed = Problem("erreur_interne", "Erreur interne", "La requête n'a pu aboutir ; réessayez.", 500)
            return problem_response(failed, request.path)

    return guard


def secure(app: faust.App, *, ops_token: str | None, openapi: Mapping[str, Any]) -> None:
    """Call before the worker starts: no built-in page, problems for errors, ``OPS_TOKEN`` on health and
    metrics, the OpenAPI document at ``/openapi.json`` and the metrics at ``/metrics``."""
    off = [flag for flag, value in PAGES_OFF.items() if getattr(app.conf, flag) != value]
    if off:
        raise RuntimeError(f"give faust.App(**PAGES_OFF): {off} still on")
    app.web.blueprints = BlueprintManager()  # the flags leave the index page at "/": nothing at all
    app.web.web_app.middlewares.append(_guard(ops_token))

    @app.page("/openapi.json")
    async def openapi_document(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        return web.json(openapi)

    @app.page("/metrics")
    async def metrics(web: faust.web.Web, request: faust.web.Request) -> aioweb.Response:
        # Prometheus' content type names its charset, which aiohttp refuses in content_type= (a 500).
        return aioweb.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def served_operations(app: faust.App) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route the app's web server answers, ``/openapi.json`` aside."""
    return {
        (route.method, route.resource.canonical)
        for route in app.web.web_app.router.routes()
        if route.resource is not None and route.resource.canonical != "/openapi.json" and route.method != "HEAD"
    }


def clock_page(
    app: faust.App,
    clock: Clock,
    authorize: Callable[[faust.web.Request], Awaitable[object]],
    moved: Callable[[], object],
) -> None:
    """``/admin/clock`` (``CLOCK_CONTROL`` only): read the business clock, or set its offset
    (``{"offset_seconds": N}``) and call ``moved`` (a sweep now, not at the next tick). Tests and
    catch-up only; ``authorize`` raises the problem to answer a caller who may not (the administrator only)."""

    @app.page("/admin/clock")
    class ClockControl(faust.web.View):
        async def get(self, request: faust.web.Request) -> faust.web.Response:
            await authorize(request)
            return self.json(ClockState.of(clock).model_dump(mode="json"))

        async def post(self, request: faust.web.Request) -> faust.web.Response:
            await authorize(request)
            clock.set_offset(timedelta(seconds=await _offset_seconds(request)))
            moved()
            return self.json(ClockState.of(clock).model_dump(mode="json"))


async def _offset_seconds(request: faust.web.Request) -> float:
    try:
        return ClockOffset.model_validate_json(await request.read()).offset_seconds
    except ValidationError as exc:
        raise Problem(
            "requete_invalide",
            "Requête invalide",
            'Corps attendu : {"offset_seconds": <nombre de secondes, ±1e9 au plus>}.',
            422,
        ) from exc
