"""The faust-streaming application: consumes submitted pièces, publishes routing decisions.

``at_least_once``: offsets are committed after the decision is produced (faust flushes its producer
before committing). A re-delivered submission yields the same decision event id, which the deposit
service drops as a duplicate.
"""

import logging

import faust
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest

from contracts import (
    ContractError,
    PieceRouted,
    PieceSubmitted,
    Recipient,
    Statut,
    make_event,
    new_event_id,
    parse_event,
    topics,
)
from routing.domain.routes import Route, decide
from routing.settings import RoutingSettings

SOURCE = "/travaux/routing"
log = logging.getLogger(__name__)
settings = RoutingSettings()

DECISIONS = Counter("routing_decisions_total", "Routing decisions", ["cadre", "outcome"])
DEAD_LETTERED = Counter("events_dead_lettered_total", "Events sent to a dead-letter topic", ["consumer", "code"])

app = faust.App(
    "routing",
    broker=[f"kafka://{server.strip()}" for server in settings.kafka_bootstrap_servers.split(",")],
    processing_guarantee="at_least_once",
    store="memory://",
    topic_partitions=settings.topic_partitions,
    topic_replication_factor=settings.topic_replication_factor,
    consumer_auto_offset_reset="earliest",
    producer_acks=-1,
    broker_session_timeout=10.0,
    broker_heartbeat_interval=3.0,
    consumer_group_instance_id=f"{settings.instance_id}-routing",
    web_port=settings.routing_http_port,
    web_bind=settings.http_host,
    web_host=settings.http_host,
)

_RAW = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
submitted_topic = app.topic(topics.PIECES_SUBMITTED, **_RAW)
routed_topic = app.topic(topics.PIECES_ROUTED, **_RAW)
submitted_dlt = app.topic(topics.dead_letter(topics.PIECES_SUBMITTED), **_RAW)

_state = {"assigned": False}


@app.on_partitions_assigned.connect
async def _on_assigned(app: faust.App, assigned: set, **kwargs: object) -> None:
    _state["assigned"] = True


def decision_for(submitted: PieceSubmitted, submitted_id: str) -> PieceRouted:
    piece = submitted.piece
    outcome = decide(piece, submitted.reason)
    about = {"piece_id": piece.piece_id, "dossier_id": piece.dossier_id, "submitted_event_id": submitted_id}
    if isinstance(outcome, Route):
        DECISIONS.labels(piece.cadre.value, "routed").inc()
        return PieceRouted(**about, statut=outcome.statut, recipient=Recipient(role=outcome.role, siret=outcome.siret))
    DECISIONS.labels(piece.cadre.value, "error").inc()
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
    await submitted_dlt.send(
        key=message.key,
        value=message.value,
        headers={
            topics.DLT_CODE: code.encode(),
            topics.DLT_REASON: reason[:2000].encode(),
            topics.DLT_SOURCE_TOPIC: message.topic.encode(),
            topics.DLT_SOURCE_PARTITION: str(message.partition).encode(),
            topics.DLT_SOURCE_OFFSET: str(message.offset).encode(),
            topics.DLT_CONSUMER: b"routing",
        },
    )


@app.agent(submitted_topic)
async def route_pieces(stream: faust.StreamT) -> None:
    async for event in stream.events():
        try:
            envelope = parse_event(event.value)
        except ContractError as exc:
            await dead_letter(event.message, exc.code, exc.reason)
            continue
        if not isinstance(envelope.data, PieceSubmitted):
            await dead_letter(
                event.message, "unexpected_type", f"{envelope.type} does not belong on {topics.PIECES_SUBMITTED}"
            )
            continue
        decision = decision_for(envelope.data, str(envelope.id))
        routed = make_event(
            decision, source=SOURCE, subject=decision.dossier_id, event_id=new_event_id(envelope.id, "routed")
        )
        await routed_topic.send(key=routed.key, value=routed.to_bytes())


@app.page("/health/live")
async def live(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
    return web.json({"status": "ok"})


@app.page("/health/ready")
async def ready(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
    ok = _state["assigned"] and not app.rebalancing
    return web.json(
        {"status": "ok" if ok else "unavailable", "checks": {"assigned": _state["assigned"]}}, status=200 if ok else 503
    )


@app.page("/metrics")
async def metrics(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
    return web.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST)
