"""The faust-streaming application: routes submitted pièces with the directory's parameters, and owns time.

- ``route_pieces`` consumes ``travaux.pieces.submitted`` and publishes one decision per submission on
  ``travaux.pieces.routed``: the recipient and status, or a routing error the issuer can fix.
- ``watch_deadlines`` consumes ``travaux.pieces.status`` and keeps, per dossier in MongoDB, the facts the
  legal deadlines are computed from; ``sweep_deadlines`` publishes each deadline on ``travaux.deadlines``
  once it falls due by the business clock (``messaging.clock``); ``forget_archived`` drops a dossier's
  facts once it moved to the archive (``travaux.dossiers.removed``).
- ``directory``: the structures, read in full from ``travaux.structures`` (``routing.directory``). A pièce
  naming a structure the view does not know *waits* for it (deposit checked that it exists: the view is
  behind), and is decided as soon as the view learns it; never a ``structure_inconnue`` error.
- ``watch``: the broker as this worker sees it (``messaging.broker``): readiness, topics created again
  when the broker lost them, and the agents and the directory reading a lost topic again
  (``routing.rereads``).
- HTTP (faust's web server, none of its built-in pages): health here, ``/metrics`` and ``/openapi.json``
  (``routing.openapi``) from ``messaging.faust_web``, the pages people and ops read in ``routing.views``,
  each behind a bearer token.

``at_least_once``: offsets are committed after the work is done. A re-delivered submission yields the
same decision event id; a re-delivered status event is recorded once (by event id); a deadline
published twice (a crash between publishing and remembering it) keeps its id. Consumers drop the
duplicates: exactly once in effect. A submission lost with the broker, or waiting here when the worker
died, comes again from deposit's reconciler, with the same id.
"""

import asyncio
import logging
import time
import uuid
from datetime import datetime, timedelta

import faust
from prometheus_client import Counter, Gauge

from contracts import (
    CategorieEntite,
    ContractError,
    DeadlineReached,
    DossierKept,
    DossierRemoved,
    Envelope,
    LatePaymentPenalties,
    PieceRouted,
    PieceSnapshot,
    PieceStatusChanged,
    PieceSubmitted,
    Recipient,
    Statut,
    make_event,
    new_event_id,
    parse_event,
    topics,
)
from messaging import faust_web
from messaging.broker import BrokerWatch
from messaging.clock import Clock
from messaging.consumer import DEAD_LETTERED, persistently  # the one dead-letter counter, labelled by consumer
from messaging.http import READY_WITHIN_SECONDS, readiness_answer
from messaging.kafka import all_topic_names
from messaging.mongo import make_client, ping
from messaging.tasks import within
from readmodel.access import PieceParties
from readmodel.principals import Principals
from routing import openapi, views
from routing.adapters.deadline_store import DeadlineStore, DossierClock
from routing.directory import DirectoryView
from routing.domain.deadlines import Deadline, Fact, Planned, due_now, matters
from routing.domain.routes import Route, RoutingError, decide
from routing.rereads import AgentRereads
from routing.settings import RoutingSettings

SOURCE = "/travaux/routing"
DEADLINE_IDS = uuid.UUID("5b0c1c4e-5d1f-4c55-9a59-4c1f4f3b7a10")  # namespace of deadline event ids
log = logging.getLogger(__name__)
settings = RoutingSettings()
clock = Clock()
LEASE = timedelta(seconds=settings.deadline_lease_seconds)

DECISIONS = Counter("routing_decisions_total", "Routing decisions", ["cadre", "outcome"])
ROUTING_ERRORS = Counter("routing_errors_total", "Routing errors by reason", ["code"])
DEADLINES = Counter("routing_deadlines_published_total", "Deadlines and penalties published", ["echeance"])
DIRECTORY_WAITS = Counter("routing_directory_waits_total", "Pièces that waited for a structure the view lacked")
WAITING = Gauge("routing_waiting_for_directory", "Pièces waiting now for a structure the view lacks")

app = faust.App(
    "routing",
    broker=[f"kafka://{server.strip()}" for server in settings.kafka_bootstrap_servers.split(",")],
    processing_guarantee="at_least_once",
    store="memory://",
    topic_partitions=settings.topic_partitions,
    topic_replication_factor=settings.topic_replication_factor,
    consumer_auto_offset_reset="earliest",
    producer_acks=-1,
    broker_session_timeout=settings.kafka_session_timeout_seconds,
    broker_heartbeat_interval=settings.kafka_session_timeout_seconds / 3,
    consumer_group_instance_id=settings.group_instance_id("routing"),
    web_port=settings.routing_http_port,
    web_bind=settings.http_host,
    web_host=settings.http_host,
    **faust_web.PAGES_OFF,
)
faust_web.secure(app, ops_token=settings.ops_token, openapi=openapi.document(settings))
principals = Principals(settings.deposit_public_url, settings.auth_cache_seconds)

_RAW = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
submitted_topic = app.topic(topics.PIECES_SUBMITTED, **_RAW)
status_topic = app.topic(topics.PIECES_STATUS, **_RAW)
routed_topic = app.topic(topics.PIECES_ROUTED, **_RAW)
removed_topic = app.topic(topics.DOSSIERS_REMOVED, **_RAW)
watch = BrokerWatch(settings, "routing", all_topic_names())
directory = DirectoryView(
    settings.kafka_bootstrap_servers, "routing-directory", lambda: watch.partitions(topics.STRUCTURES)
)
rereads = AgentRereads(app)
watch.on_topic_lost(rereads.topic_lost)
watch.on_topic_lost(directory.reread)
waiting: dict[str, Envelope] = {}  # piece_id → its submission, until the view knows its structures

_state: dict[str, object] = {"assigned": False, "store": None}


def deadline_store() -> DeadlineStore:
    """The store, created on first use inside the worker's event loop."""
    if _state["store"] is None:
        database = make_client(settings.mongodb_uri)[settings.routing_database]
        _state["store"] = DeadlineStore(database, settings.ecb_main_refinancing_rate)
    return _state["store"]  # type: ignore[return-value]


@app.on_partitions_assigned.connect
async def _on_assigned(app: faust.App, assigned: set, **kwargs: object) -> None:
    _state["assigned"] = True
    rereads.assigned()


@app.task
async def _prepare() -> None:
    await watch.start()
    await directory.start()
    await persistently("deadline indexes", deadline_store().ensure_indexes)


@app.on_before_shutdown.connect
async def _close(app: faust.App, **kwargs: object) -> None:
    await directory.stop()
    await watch.stop()
    await principals.close()


# ---- routing ---------------------------------------------------------------------------------------


def decision_for(submitted: PieceSubmitted, submitted_id: str, outcome: Route | RoutingError) -> PieceRouted:
    piece = submitted.piece
    about = {"piece_id": piece.piece_id, "dossier_id": piece.dossier_id, "submitted_event_id": submitted_id}
    if isinstance(outcome, Route):
        DECISIONS.labels(piece.cadre.value, "routed").inc()
        return PieceRouted(**about, statut=outcome.statut, recipient=Recipient(role=outcome.role, siret=outcome.siret))
    DECISIONS.labels(piece.cadre.value, "error").inc()
    ROUTING_ERRORS.labels(outcome.code).inc()
    return PieceRouted(**about, statut=Statut.ERREUR_ACHEMINEMENT, error_code=outcome.code, error_detail=outcome.detail)


async def dead_letter(message: faust.types.Message, code: str, reason: str) -> None:
    DEAD_LETTERED.labels("routing", code).inc()
    log.error(
        "routing: %s@%d offset %d to dead letters: %s (%s)",
        message.topic,
        message.partition,
        message.offset,
        code,
        reason,
    )
    await app.producer.send_and_wait(
        topics.dead_letter(message.topic),
        message.key,
        message.value,
        None,
        None,
        {
            topics.DLT_CODE: code.encode(),
            topics.DLT_REASON: reason[:2000].encode(),
            topics.DLT_SOURCE_TOPIC: message.topic.encode(),
            topics.DLT_SOURCE_PARTITION: str(message.partition).encode(),
            topics.DLT_SOURCE_OFFSET: str(message.offset).encode(),
            topics.DLT_CONSUMER: b"routing",
        },
    )


async def parsed(event: faust.types.EventT, expected: type | tuple[type, ...]) -> object | None:
    """The event's typed envelope, or None once it went to the dead letters saying why."""
    try:
        envelope = parse_event(event.value)
    except ContractError as exc:
        await dead_letter(event.message, exc.code, exc.reason)
        return None
    if not isinstance(envelope.data, expected):
        await dead_letter(event.message, "unexpected_type", f"{envelope.type} does not belong on {event.message.topic}")
        return None
    return envelope


async def route(envelope: Envelope) -> bool:
    """Publish the decision on a submission; False when it names a structure the view does not know yet
    (deposit checked it exists: the view is behind), which then waits for it."""
    submitted: PieceSubmitted = envelope.data
    piece_id = submitted.piece.piece_id
    outcome = decide(submitted.piece, submitted.reason, directory)
    if isinstance(outcome, RoutingError) and outcome.code == "structure_inconnue":
        if piece_id not in waiting:
            DIRECTORY_WAITS.inc()
            log.warning("pièce %s waits for a structure the directory view lacks: %s", piece_id, outcome.detail)
        waiting[piece_id] = envelope
        WAITING.set(len(waiting))
        return False
    if waiting.get(piece_id) is envelope:
        del waiting[piece_id]
        WAITING.set(len(waiting))
    decision = decision_for(submitted, str(envelope.id), outcome)
    routed = make_event(
        decision, source=SOURCE, subject=decision.dossier_id, event_id=new_event_id(envelope.id, "routed")
    )
    await routed_topic.send(key=routed.key, value=routed.to_bytes())
    return True


@app.agent(submitted_topic)
async def route_pieces(stream: faust.StreamT) -> None:
    async for event in stream.events():
        envelope = await parsed(event, PieceSubmitted)
        if envelope is None:
            continue
        await directory.loaded.wait()  # never decide on a view still loading
        await route(envelope)


@app.task
async def route_waiting() -> None:
    """Each time the directory view learns something, decide the pièces that were waiting for it. (One that
    waited here when the worker stopped comes again from deposit's reconciler.)"""
    while True:
        await directory.changed.wait()
        directory.changed.clear()
        for envelope in list(waiting.values()):
            await persistently("waiting pièce", route, envelope)
        await asyncio.sleep(0.2)  # a directory published whole arrives as a burst: decide once per burst


# ---- time ------------------------------------------------------------------------------------------


def categorie_of(piece: PieceSnapshot) -> CategorieEntite | None:
    """The category that sets the délai de paiement: the destinataire's, else the MOA's."""
    for siret in (piece.destinataire, piece.moa):
        structure = directory(siret) if siret else None
        if structure is not None and structure.categorie is not None:
            return structure.categorie
    return None


@app.agent(status_topic)
async def watch_deadlines(stream: faust.StreamT) -> None:
    async for event in stream.events():
        envelope = await parsed(event, PieceStatusChanged)
        if envelope is None:
            continue
        changed: PieceStatusChanged = envelope.data
        if not matters(changed.statut):
            continue
        piece = changed.piece
        fact = Fact(
            str(envelope.id),
            piece.piece_id,
            piece.cadre,
            changed.statut,
            changed.changed_at,
            piece.montant_a_payer,
            bool(changed.mise_en_paiement_masquee),
        )
        await directory.loaded.wait()  # the délai depends on the parties' category
        await persistently(
            "deadline facts",
            deadline_store().record,
            piece.dossier_id,
            fact,
            categorie_of(piece),
            PieceParties.of(piece),
        )


@app.agent(removed_topic)
async def forget_archived(stream: faust.StreamT) -> None:
    """A dossier left the active store for the archive: no deadline of it is left to watch."""
    async for event in stream.events():
        envelope = await parsed(event, (DossierRemoved, DossierKept))
        if envelope is not None and isinstance(envelope.data, DossierRemoved):
            await persistently("archived dossier", deadline_store().forget, envelope.data.dossier_id)


def deadline_event(dossier_id: str, item: Planned):
    payload = (
        DeadlineReached(
            piece_id=item.piece_id,
            dossier_id=dossier_id,
            echeance=item.echeance,
            due_at=item.due_at,
            detail=item.detail,
            penalites=item.penalites,
        )
        if isinstance(item, Deadline)
        else LatePaymentPenalties(
            piece_id=item.piece_id,
            dossier_id=dossier_id,
            due_at=item.due_at,
            paid_at=item.paid_at,
            penalites=item.penalites,
            mise_en_paiement_masquee=item.hidden_from_supplier,
        )
    )
    event_id = uuid.uuid5(DEADLINE_IDS, f"{dossier_id}/{item.key}")
    return make_event(payload, source=SOURCE, subject=dossier_id, event_id=event_id)


async def publish_due(state: DossierClock, now: datetime) -> int:
    """Publish what is due on one leased dossier, then remember it (a crash in between re-publishes the
    same event ids, which consumers drop)."""
    items = due_now(state.plan(settings.ecb_main_refinancing_rate), state.fired, now)
    for item in items:
        event = deadline_event(state.dossier_id, item)
        await app.producer.send_and_wait(topics.DEADLINES, event.key, event.to_bytes(), None, None, None)
        DEADLINES.labels(item.label).inc()
        log.debug("deadline %s published for dossier %s (due %s)", item.key, state.dossier_id, item.due_at)
    await deadline_store().mark_fired(state.dossier_id, [item.key for item in items])
    return len(items)


async def sweep() -> int:
    """Publish what is due by the business clock, at most ``deadline_sweep_batch`` dossiers, with
    ``deadline_sweep_concurrency`` of them in flight; returns how many deadlines were published."""
    store, now, started = deadline_store(), clock.now(), time.monotonic()
    queue = list(reversed(await store.due(now, settings.deadline_sweep_batch)))  # pop() the most overdue

    async def worker() -> int:
        published = 0
        while queue:
            state = await store.lease(queue.pop(), now, LEASE)
            if state is not None:  # else another sweeper has it, or it is no longer due
                published += await publish_due(state, now)
        return published

    published = sum(await asyncio.gather(*(worker() for _ in range(settings.deadline_sweep_concurrency))))
    if published:
        elapsed = time.monotonic() - started
        log.info("deadline sweep: %d published in %.2f s (%.0f/s)", published, elapsed, published / max(elapsed, 1e-6))
    return published


async def sweep_logged() -> None:
    try:
        await sweep()
    except Exception:  # a sweep that fails leaves its leases to expire; the next one retries
        log.exception("deadline sweep failed; retrying at the next tick")


@app.timer(interval=settings.deadline_sweep_seconds)
async def sweep_deadlines() -> None:
    await sweep_logged()


# ---- HTTP ------------------------------------------------------------------------------------------


@app.page("/health/live")
async def live(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
    return web.json({"status": "ok"})


async def readiness() -> dict[str, bool]:
    return {
        "broker": watch.reachable,
        "database": await ping(deadline_store().dossiers.database),
        "assigned": bool(_state["assigned"]) and not app.rebalancing,
        # Loaded, and no pièce waiting for a structure the view lacks.
        "directory": directory.loaded.is_set() and not waiting,
    }


@app.page("/health/ready")
async def ready(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
    body, status = readiness_answer(await within(readiness(), READY_WITHIN_SECONDS, None))
    return web.json(body, status=status)


views.install(
    app,
    settings,
    principals,
    directory,
    deadline_store,
    clock,
    lambda: _state.update(sweep=asyncio.ensure_future(sweep_logged())),
)
