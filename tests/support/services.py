"""The four services as real processes (deploy/local/stack.py), pointed at the test infrastructure."""

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from tests.support.infra import TEST_PORTS, TEST_RUN_DIR, Infrastructure, load_stack

SERVICES = ["deposit", "routing", "notification", "archive", "archive-mover"]


@dataclass
class RunningServices:
    env: dict[str, str]
    deposit_url: str
    notification_url: str
    archive_url: str
    routing_url: str
    archive_mover_url: str

    @property
    def admin_token(self) -> str:
        """The platform administrator's token: it reads every service's operations data."""
        return self.env["DEPOSIT_ADMIN_TOKEN"]

    def restart(self, name: str, **extra_env: str) -> None:
        """Stop ``name`` and start it again, optionally with extra settings."""
        stack = load_stack()
        stack.stop([name], run_dir=TEST_RUN_DIR)
        stack.start([name], run_dir=TEST_RUN_DIR, env_overrides={**self.env, **extra_env})

    @asynccontextmanager
    async def extra_deposit(self, **extra_env: str) -> AsyncIterator[str]:
        """One more deposit process with extra settings, serving the API only (no consumer, no outbox
        relay: it joins no group and disturbs nothing), on a free port; stopped at the end. Yields its URL."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        run_dir = TEST_RUN_DIR / "extra-deposit"
        env = {
            **self.env,
            "DEPOSIT_HTTP_PORT": str(port),
            "CONSUMERS_ENABLED": "false",
            "OUTBOX_RELAY_ENABLED": "false",
            **extra_env,
        }
        stack = load_stack()
        await asyncio.to_thread(stack.start, ["deposit"], run_dir=run_dir, env_overrides=env)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await asyncio.to_thread(stack.stop, ["deposit"], run_dir=run_dir)

    def pid(self, name: str) -> int:
        return int((TEST_RUN_DIR / "pids" / f"{name}.pid").read_text())

    def log(self, name: str) -> str:
        return (TEST_RUN_DIR / "logs" / f"{name}.log").read_text(errors="replace")


def start_services(infra: Infrastructure) -> RunningServices:
    env = {
        **{k: str(v) for k, v in TEST_PORTS.items()},
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
        "MONGODB_URI": infra.mongodb_uri,
        "SMTP_HOST": infra.mail.smtp_host,
        "SMTP_PORT": str(infra.mail.smtp_port),
        "SMTP_STARTTLS": "false",
        # Retries come back within 4 s once the SMTP server is up again, and survive a 30 s outage.
        "SMTP_RETRY_MAX_SECONDS": "4",
        "SMTP_MAX_ATTEMPTS": "30",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{TEST_PORTS['DEPOSIT_HTTP_PORT']}",
        "OUTBOX_LEASE_SECONDS": "3",
        # An Idempotency-Key a killed deposit held is taken over 12 s after it was reserved.
        "IDEMPOTENCY_LEASE_SECONDS": "12",
        # A pièce without a routing decision 10 s after its submission went out is submitted again.
        "RECONCILE_AFTER_SECONDS": "10",
        "RECONCILE_INTERVAL_SECONDS": "1",
        # A pièce waiting 10 s for a structure has routing's directory view read its topic anew.
        "DIRECTORY_REFRESH_SECONDS": "10",
        "CLOCK_CONTROL": "true",  # routing's business clock moves forward in the time tests
        "DEADLINE_SWEEP_SECONDS": "1",
        "FAUST_COMMIT_INTERVAL_SECONDS": "0.5",  # settled() sees routing's progress within half a second
        "DEADLINE_LEASE_SECONDS": "5",  # a killed sweeper's dossiers are taken up again 5 s later
        # The archive's mover sweeps every 2 s; a move a killed worker left is resumed 5 s later.
        "ARCHIVE_SWEEP_SECONDS": "2",
        "ARCHIVE_LEASE_SECONDS": "5",
        "ARCHIVE_ANNOUNCE_WAIT_SECONDS": "10",
        "DEPOSIT_ADMIN_TOKEN": f"tvx_test_admin_{secrets.token_hex(16)}",
        # A deliverable address (the default, admin@travaux.local, is not one), so that tests inviting it
        # meet the authority rules rather than the address check.
        "DEPOSIT_ADMIN_EMAIL": "administrateur@travaux.example",
        "TOOLS_DIR": os.environ.get("TOOLS_DIR", ""),
    }
    stack = load_stack()
    stack.stop(SERVICES, run_dir=TEST_RUN_DIR)
    try:
        stack.start(SERVICES, run_dir=TEST_RUN_DIR, env_overrides=env)
    except stack.StackError as exc:
        raise RuntimeError(f"the services did not start:\n{exc}") from None
    base = "http://127.0.0.1:{}".format
    return RunningServices(
        env=env,
        deposit_url=base(TEST_PORTS["DEPOSIT_HTTP_PORT"]),
        notification_url=base(TEST_PORTS["NOTIFICATION_HTTP_PORT"]),
        archive_url=base(TEST_PORTS["ARCHIVE_HTTP_PORT"]),
        routing_url=base(TEST_PORTS["ROUTING_HTTP_PORT"]),
        archive_mover_url=base(TEST_PORTS["ARCHIVE_MOVER_PORT"]),
    )


def stop_services() -> None:
    load_stack().stop(SERVICES, run_dir=TEST_RUN_DIR)


def http(base_url: str, token: str | None = None) -> httpx.AsyncClient:
    """A client of one service, with a bearer token if given."""
    return httpx.AsyncClient(
        base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
