"""Kafka clients with the settings every service uses, and topic creation."""

import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from contracts import topics

log = logging.getLogger(__name__)


# How old a client's knowledge of the topics may get (Kafka's default: 5 minutes). Since no client creates a
# topic by naming it (``messaging.no_auto_create``), a consumer subscribed to a topic the broker lost sees
# it again only at its next metadata refresh, once the broker watch created it: then its group rebalances
# and the topic's partitions are assigned. Seconds, not minutes; one small request per client.
METADATA_MAX_AGE_MS = 5_000


def group_timeouts(session_timeout_seconds: float) -> dict[str, int]:
    """aiokafka's settings for a consumer group member: its session, and a heartbeat every third of it."""
    session_ms = int(session_timeout_seconds * 1000)
    return {"session_timeout_ms": session_ms, "heartbeat_interval_ms": session_ms // 3}


def make_producer(bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    # acks=all: an event counts as published only once the broker has it. No idempotent producer:
    # the local broker refuses InitProducerId; consumers deduplicate on the event id instead.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=30000,
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
    )


def all_topic_names() -> list[str]:
    return [name for topic in topics.ALL for name in (topic, topics.dead_letter(topic))]


def topic_configs(name: str, min_insync_replicas: int = 1) -> dict[str, str]:
    configs = {"cleanup.policy": "compact"} if name in topics.COMPACTED else {}
    source = name.removesuffix(".dlt")
    if source in topics.SHORT_LIVED:
        configs["retention.ms"] = str(topics.SHORT_LIVED[source])
    if min_insync_replicas > 1:
        # With acks=all, a write counts only once this many replicas hold it: losing a broker loses nothing.
        configs["min.insync.replicas"] = str(min_insync_replicas)
    return configs


def new_topic(name: str, partitions: int, replication_factor: int, min_insync_replicas: int = 1) -> NewTopic:
    return NewTopic(
        name=name,
        num_partitions=partitions,
        replication_factor=replication_factor,
        topic_configs=topic_configs(name, min_insync_replicas),
    )


async def ensure_topics(
    bootstrap_servers: str,
    partitions: int = 6,
    replication_factor: int = 1,
    names: list[str] | None = None,
    min_insync_replicas: int = 1,
) -> list[str]:
    """Create the platform's topics (and their dead-letter topics) if they do not exist yet; returns
    the names created."""
    wanted = names or all_topic_names()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="topic-setup")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            new_topic(name, partitions, replication_factor, min_insync_replicas)
            for name in wanted
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another service created them at the same moment
            log.info("created topics: %s", ", ".join(t.name for t in missing))
        return [t.name for t in missing]
    finally:
        await admin.close()
