"""Settings every service shares, read from the environment (same names locally, in compose and in k8s)."""

import socket

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    mongodb_uri: str = "mongodb://127.0.0.1:27017/?retryWrites=false&directConnection=true"
    topic_partitions: int = 6
    topic_replication_factor: int = 1
    # min.insync.replicas of the topics the services create (production: 2 with 3 replicas and acks=all).
    topic_min_insync_replicas: int = 1
    log_level: str = "INFO"
    # How long a consumer that stopped heartbeating (a killed process) keeps its partitions before its group
    # moves them; heartbeats go every third of it. On the local broker (Tansu) every group join also waits
    # half of it, so the test suite sets it low.
    kafka_session_timeout_seconds: float = Field(default=10.0, ge=1.0, le=300.0)
    # Static consumer-group membership (KIP-345): a restarted process takes its predecessor's place
    # at once instead of the group waiting for the dead member. INSTANCE_ID must be unique per replica (the
    # pod name in Kubernetes, which is the hostname). Off, members are dynamic (Kafka's default): the local
    # broker (Tansu) makes a static member's every join wait 6 s, a dynamic one's half the session.
    instance_id: str = socket.gethostname()
    kafka_static_membership: bool = True
    # How often a faust worker (routing, the archive mover) commits the offsets of what it handled (faust's
    # default 2.8 s). A restarted worker handles again, as duplicates, at most this much of its stream.
    faust_commit_interval_seconds: float = Field(default=2.8, gt=0, le=60.0)
    # Exposes POST /admin/clock to move the business clock forward (tests, catch-up). Never in production.
    clock_control: bool = False
    # The shared secret of the service-to-service endpoints (/internal/v1/...), through which the archive
    # service copies dossiers from their owners. Unset: those endpoints answer 503.
    internal_token: str | None = None
    # Where a bearer token is resolved into its user's habilitations (deposit's GET /v1/moi), and how
    # long the answer may be served from memory (routing, notification, archive).
    deposit_public_url: str = "http://127.0.0.1:8000"
    auth_cache_seconds: float = Field(default=5.0, ge=0)
    # Set: /health/live, /health/ready and /metrics answer only with "Authorization: Bearer <OPS_TOKEN>".
    # Unset (the default): they answer anyone, for probes and scrapers that send no header.
    ops_token: str | None = None
    # Per-token rate limit of every HTTP API (per replica: each process keeps its own buckets). A token
    # (or, without one, a client address) may send RATE_LIMIT_BURST requests at once, then
    # RATE_LIMIT_PER_SECOND a second; 0 disables. RATE_LIMIT_MAX_KEYS bounds the buckets kept in memory.
    rate_limit_per_second: float = 100.0
    rate_limit_burst: int = 200
    rate_limit_max_keys: int = 10_000
    # The largest request body an endpoint accepts unless its route says otherwise (deposits, attachments).
    max_request_bytes: int = 1024 * 1024

    def group_instance_id(self, group: str) -> str | None:
        """This replica's static identity in ``group``, or None when membership is dynamic."""
        return f"{self.instance_id}-{group}" if self.kafka_static_membership else None
