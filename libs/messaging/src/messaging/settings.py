"""Settings every service shares, read from the environment (same names locally, in compose and in k8s)."""

import socket

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
    # Static consumer-group membership (KIP-345): a restarted process takes its predecessor's place
    # at once instead of the group waiting for the dead member. Must be unique per replica (the pod
    # name in Kubernetes, which is the hostname).
    instance_id: str = socket.gethostname()
    # Exposes POST /admin/clock to move the business clock forward (tests, catch-up). Never in production.
    clock_control: bool = False
    # The shared secret of the service-to-service endpoints (/internal/v1/...), through which the archive
    # service copies dossiers from their owners. Unset: those endpoints answer 503.
    internal_token: str | None = None
