"""Routing service settings, from the environment."""

from messaging.settings import CommonSettings


class RoutingSettings(CommonSettings):
    routing_http_port: int = 8001
    http_host: str = "127.0.0.1"
