"""Where the tests find their infrastructure, in this order:

1. endpoints given in the environment (TEST_KAFKA_BOOTSTRAP_SERVERS, TEST_MONGODB_URI, TEST_SMTP_HOST,
   TEST_SMTP_PORT and TEST_MAIL_API_URL with TEST_MAIL_API_KIND=mailpit|maildev);
2. testcontainers (Apache Kafka, MongoDB replica set, Mailpit) when a Docker daemon answers;
3. the local processes of deploy/local/stack.py (Tansu, SecantusDB) on the test ports, plus an
   aiosmtpd catcher in this process.

None found → the session fails with the reason. Nothing is ever skipped.
"""

import importlib.util
import os
import shutil
import signal
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.mail import HttpCatcher, InProcessCatcher, MailCatcher

REPO = Path(__file__).resolve().parents[2]
# TEST_PORT_OFFSET lets two test sessions run side by side on one machine (ports + offset, own run dir).
# Under pytest-xdist (`make test` runs two workers) each worker is such a session, with a stack of its own:
# worker n adds n × 300.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "0")) + 300 * int(_WORKER.removeprefix("gw") or 0)
TEST_RUN_DIR = REPO / ".run" / ("test" if not _OFFSET else f"test-{_OFFSET}")
TEST_PORTS = {
    name: port + _OFFSET
    for name, port in {
        "KAFKA_PORT": 19092,
        "MONGODB_PORT": 17017,
        "SMTP_PORT": 11025,
        "MAILDEV_UI_PORT": 11080,
        "DEPOSIT_HTTP_PORT": 18000,
        "ROUTING_HTTP_PORT": 18001,
        "NOTIFICATION_HTTP_PORT": 18002,
        "ARCHIVE_HTTP_PORT": 18003,
        "ARCHIVE_MOVER_PORT": 18004,
    }.items()
}


def load_stack():
    spec = importlib.util.spec_from_file_location("stack", REPO / "deploy" / "local" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalProcesses:
    """The session's own broker and database processes, which the fault tests kill and start again."""

    def __init__(self, stack):
        self.stack = stack  # the module instance that started them (it reaps its children)

    def kill_9(self, name: str) -> None:
        pid = int((TEST_RUN_DIR / "pids" / f"{name}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.stack._alive(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} (pid {pid}) still alive 10 s after SIGKILL")
            time.sleep(0.05)

    def start(self, name: str) -> None:
        """As `make up` would: the local stack starts what is not running and waits until it is ready."""
        self.stack.start([name], run_dir=TEST_RUN_DIR, env_overrides=TEST_PORTS)


@dataclass
class Infrastructure:
    kind: str
    kafka: str
    mongodb_uri: str
    mail: MailCatcher
    _cleanup: ExitStack = field(default_factory=ExitStack)
    local: LocalProcesses | None = None  # only when the session started its own processes

    def close(self) -> None:
        self._cleanup.close()


def _from_environment() -> Infrastructure | None:
    names = [
        "TEST_KAFKA_BOOTSTRAP_SERVERS",
        "TEST_MONGODB_URI",
        "TEST_SMTP_HOST",
        "TEST_SMTP_PORT",
        "TEST_MAIL_API_URL",
    ]
    given = [n for n in names if os.environ.get(n)]
    if not given:
        return None
    if len(given) != len(names):
        raise RuntimeError(
            f"incomplete test endpoints in the environment: set all of {names} (missing {set(names) - set(given)})"
        )
    mail = HttpCatcher(
        os.environ["TEST_SMTP_HOST"],
        int(os.environ["TEST_SMTP_PORT"]),
        os.environ["TEST_MAIL_API_URL"],
        os.environ.get("TEST_MAIL_API_KIND", "mailpit"),
    )
    infra = Infrastructure(
        "environment", os.environ["TEST_KAFKA_BOOTSTRAP_SERVERS"], os.environ["TEST_MONGODB_URI"], mail
    )
    infra._cleanup.callback(mail.close)
    return infra


def _docker_answers() -> bool:
    if os.environ.get("TEST_NO_DOCKER") or shutil.which("docker") is None:
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - no daemon: fall through to local processes
        return False


def _from_testcontainers() -> Infrastructure:
    """Real Kafka (KRaft), a MongoDB single-node replica set, Mailpit. Written against testcontainers
    4.x; not exercised on the development machines, which have no Docker daemon."""
    import time

    from pymongo import MongoClient
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.mailpit import MailpitContainer
    from testcontainers.core.container import DockerContainer

    stack = ExitStack()
    kafka = stack.enter_context(KafkaContainer().with_kraft())
    # No root user: a replica set with authentication would need a key file.
    mongo = stack.enter_context(
        DockerContainer("mongo:8.0").with_command("--replSet rs0 --bind_ip_all").with_exposed_ports(27017)
    )
    uri = f"mongodb://{mongo.get_container_host_ip()}:{mongo.get_exposed_port(27017)}/?directConnection=true"
    deadline = time.monotonic() + 60
    while True:
        try:
            with MongoClient(uri, serverSelectionTimeoutMS=2000) as client:
                try:
                    client.admin.command(
                        "replSetInitiate", {"_id": "rs0", "members": [{"_id": 0, "host": "localhost:27017"}]}
                    )
                except Exception:  # noqa: BLE001 - already initiated
                    pass
                if client.admin.command("hello").get("isWritablePrimary"):
                    break
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise RuntimeError("the MongoDB container did not become a writable primary in 60 s") from None
        time.sleep(0.5)
    mailpit = stack.enter_context(MailpitContainer())
    mail = HttpCatcher(
        mailpit.get_container_host_ip(), mailpit.get_exposed_smtp_port(), mailpit.get_base_api_url(), "mailpit"
    )
    stack.callback(mail.close)
    return Infrastructure("testcontainers", kafka.get_bootstrap_server(), uri, mail, stack)


def _from_local_processes() -> Infrastructure:
    stack_module = load_stack()
    os.environ.setdefault("TOOLS_DIR", str(REPO / ".run" / "tools"))  # share the developer's installs
    stack_module.stop(["all"], run_dir=TEST_RUN_DIR)  # leftovers of an interrupted session
    shutil.rmtree(TEST_RUN_DIR / "data", ignore_errors=True)  # every session starts from empty stores
    try:
        stack_module.start(["kafka", "mongodb"], run_dir=TEST_RUN_DIR, env_overrides=TEST_PORTS)
    except stack_module.StackError as exc:
        raise RuntimeError(f"could not start the local Kafka/MongoDB for the tests:\n{exc}") from None
    mail = InProcessCatcher()
    infra = Infrastructure(
        "local processes",
        f"127.0.0.1:{TEST_PORTS['KAFKA_PORT']}",
        f"mongodb://127.0.0.1:{TEST_PORTS['MONGODB_PORT']}/?retryWrites=false&directConnection=true",
        mail,
        local=LocalProcesses(stack_module),
    )
    infra._cleanup.callback(stack_module.stop, ["kafka", "mongodb"], run_dir=TEST_RUN_DIR)
    infra._cleanup.callback(mail.close)
    return infra


def resolve() -> Infrastructure:
    return _from_environment() or (_from_testcontainers() if _docker_answers() else _from_local_processes())
