"""Real SMTP catchers the tests read mail from: aiosmtpd in this process, or Mailpit / MailDev over HTTP."""

import asyncio
import email
import email.policy
import threading
import time
from typing import Protocol

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pymongo import AsyncMongoClient

from deposit.mailbox import Mail, Mailbox

CaughtMail = Mail  # what a test reads of a caught mail


class MailCatcher(Protocol):
    smtp_host: str
    smtp_port: int

    def messages(self) -> list[CaughtMail]: ...

    def close(self) -> None: ...


def _parse(raw: bytes, rcpt: tuple[str, ...]) -> CaughtMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return CaughtMail(
        to=rcpt,
        subject=str(message["Subject"]),
        text=text.get_content() if text else "",
        html=html.get_content() if html else "",
        message_id=str(message["Message-ID"]),
    )


class _Handler:
    def __init__(self, catcher: "InProcessCatcher"):
        self.catcher = catcher

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list) -> str:
        if address.lower() in self.catcher.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.catcher.lock:
            self.catcher.caught.append(_parse(envelope.original_content or envelope.content, tuple(envelope.rcpt_tos)))
        return "250 Message accepted"


class InProcessCatcher:
    """aiosmtpd, a real SMTP server, on a free loopback port in a thread of the test process."""

    def __init__(self, port: int = 0):
        self.lock = threading.Lock()
        self.caught: list[CaughtMail] = []
        self.refused: set[str] = set()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=port or _free_port())
        self.controller.start()
        self.smtp_host, self.smtp_port = "127.0.0.1", self.controller.port

    def messages(self) -> list[CaughtMail]:
        with self.lock:
            return list(self.caught)

    def down(self) -> None:
        """The SMTP server goes away: connections are refused until ``up``."""
        self.controller.stop()

    def up(self) -> None:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.smtp_port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


class HttpCatcher(Mailbox):
    """Mailpit (``/api/v1/messages``) or MailDev (``/email``), read over their REST APIs."""

    def __init__(self, smtp_host: str, smtp_port: int, api_url: str, kind: str):
        super().__init__(api_url, kind)
        self.smtp_host, self.smtp_port = smtp_host, smtp_port


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_for_mail(catcher: MailCatcher, predicate, count: int = 1, timeout: float = 30.0) -> list[CaughtMail]:
    """Mails matching ``predicate``, once at least ``count`` arrived; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in await asyncio.to_thread(catcher.messages) if predicate(m)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)


async def nothing_left_to_send(infrastructure, query: dict, timeout: float = 120) -> None:
    """Until notification's mail queue holds no mail matching ``query``: each was sent, none is leased or
    waiting, so none can still arrive (twice or at all). The barrier after which counting mails is final."""
    client = AsyncMongoClient(infrastructure.mongodb_uri)
    try:
        deadline = time.monotonic() + timeout
        while left := await client.notification.mail_queue.count_documents(query):
            assert time.monotonic() < deadline, f"{left} mails still queued after {timeout} s"
            await asyncio.sleep(0.2)
    finally:
        await client.close()
