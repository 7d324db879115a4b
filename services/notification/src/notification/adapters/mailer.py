"""Sends e-mails with aiosmtplib over reused connections; tells temporary failures (retry) from
permanent ones (dead letter).

Opening an SMTP session costs a round of greetings (≈100 ms against MailDev); a message on an open
session costs ≈3 ms. So up to ``SMTP_POOL_SIZE`` sessions stay open and are reused; one the server
closed meanwhile is reopened once, transparently.
"""

import asyncio
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr

import aiosmtplib

from notification.domain.messages import Message
from notification.ports import PermanentRejection, TemporaryFailure
from notification.settings import NotificationSettings

__all__ = ["Mailer", "PermanentRejection", "TemporaryFailure"]


class Mailer:
    def __init__(self, settings: NotificationSettings):
        self.settings = settings
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(settings.smtp_pool_size)

    def _build(self, to: str, message: Message, message_id: str) -> bytes:
        # The compat32 MIME classes build a message in less than half the time of EmailMessage.
        email = MIMEMultipart("alternative")
        email["From"] = self.settings.mail_from
        email["To"] = to
        email["Subject"] = Header(message.subject, "utf-8")
        email["Date"] = formatdate(localtime=False)
        # Stable per (event, recipient): a re-send after a crash is recognisable as the same message.
        email["Message-ID"] = message_id
        email.attach(MIMEText(message.text, "plain", "utf-8"))
        email.attach(MIMEText(message.html, "html", "utf-8"))
        return email.as_bytes()

    async def _open(self) -> aiosmtplib.SMTP:
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            start_tls=s.smtp_starttls,
            username=s.smtp_username,
            password=s.smtp_password,
            timeout=s.smtp_timeout_seconds,
        )
        await client.connect()
        return client

    async def send(self, to: str, message: Message, message_id: str) -> None:
        email = self._build(to, message, message_id)
        sender = parseaddr(self.settings.mail_from)[1]
        async with self._slots:
            client = self._idle.pop() if self._idle else None
            try:
                try:
                    client = client if client is not None and client.is_connected else await self._open()
                    await client.sendmail(sender, [to], email)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    # The server closed an idle session: one fresh attempt.
                    await _close(client)
                    client = await self._open()
                    await client.sendmail(sender, [to], email)
            except aiosmtplib.SMTPResponseException as exc:
                await self._release(client)
                if 500 <= exc.code < 600:
                    raise PermanentRejection(f"{exc.code} {exc.message}") from exc
                raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
            except aiosmtplib.SMTPRecipientsRefused as exc:
                await self._release(client)
                detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
                if all(500 <= r.code < 600 for r in exc.recipients):
                    raise PermanentRejection(detail) from exc
                raise TemporaryFailure(detail) from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await _close(client)
                raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
            self._idle.append(client)

    async def _release(self, client: aiosmtplib.SMTP | None) -> None:
        """After a refusal the session is still usable once reset; otherwise drop it."""
        if client is None or not client.is_connected:
            return
        try:
            await client.rset()
            self._idle.append(client)
        except (aiosmtplib.SMTPException, OSError):
            await _close(client)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                await _close(client)


async def _close(client: aiosmtplib.SMTP | None) -> None:
    if client is not None:
        client.close()
