"""deploy/local/stack.py, as `make up` / `make down` use it: idempotent start and stop, stale PID
files, and MailDev catching a real e-mail that its REST API then shows."""

import os
import signal
import time
import uuid
from email.message import EmailMessage

import aiosmtplib
import pytest

from tests.support.infra import REPO, load_stack
from tests.support.mail import HttpCatcher

PORTS = {"SMTP_PORT": 11125, "MAILDEV_UI_PORT": 11180}


@pytest.fixture
def stack(tmp_path):
    module = load_stack()
    os.environ.setdefault("TOOLS_DIR", str(REPO / ".run" / "tools"))
    yield module, tmp_path
    module.stop(["smtp"], run_dir=tmp_path)


async def test_maildev_starts_once_catches_mail_and_stops(stack):
    module, run_dir = stack
    first = module.start(["smtp"], run_dir=run_dir, env_overrides=PORTS)
    again = module.start(["smtp"], run_dir=run_dir, env_overrides=PORTS)
    assert again == first, "a second start must reuse the running process"
    assert module.is_ready("smtp", env_overrides=PORTS)
    [row] = module.status(["smtp"], run_dir=run_dir, env_overrides=PORTS)
    assert row["state"] == "running" and row["ready"] and row["pid"] == first["smtp"]

    subject = f"stack test {uuid.uuid4().hex[:8]}"
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.fr", "moe@example.fr", subject
    message.set_content("bonjour")
    await aiosmtplib.send(message, hostname="127.0.0.1", port=PORTS["SMTP_PORT"], start_tls=False)
    catcher = HttpCatcher("127.0.0.1", PORTS["SMTP_PORT"], f"http://127.0.0.1:{PORTS['MAILDEV_UI_PORT']}", "maildev")
    try:
        for _ in range(50):
            caught = [m for m in catcher.messages() if m.subject == subject]
            if caught:
                break
            time.sleep(0.1)
        assert [m.to for m in caught] == [("moe@example.fr",)]
    finally:
        catcher.close()

    assert module.stop(["smtp"], run_dir=run_dir) == ["smtp"]
    assert module.stop(["smtp"], run_dir=run_dir) == [], "stopping what is stopped is a no-op"
    assert not module.is_ready("smtp", env_overrides=PORTS)


def test_a_killed_process_leaves_a_stale_pid_that_start_replaces(stack):
    module, run_dir = stack
    pid = module.start(["smtp"], run_dir=run_dir, env_overrides=PORTS)["smtp"]
    os.killpg(pid, signal.SIGKILL)
    for _ in range(50):
        [row] = module.status(["smtp"], run_dir=run_dir, env_overrides=PORTS)
        if row["state"] != "running":
            break
        time.sleep(0.1)
    assert row["state"] == "stopped"
    new_pid = module.start(["smtp"], run_dir=run_dir, env_overrides=PORTS)["smtp"]
    assert new_pid != pid and module.is_ready("smtp", env_overrides=PORTS)
