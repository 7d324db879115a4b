"""Sends e-mails with aiosmtplib; tells temporary failures (retry) from permanent ones (dead letter)."""

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from notification.domain.messages import Message
from notification.settings import NotificationSettings


class PermanentRejection(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


class TemporaryFailure(Exception):
    """The server is away or answered 4xx: retry later."""


class Mailer:
    def __init__(self, settings: NotificationSettings):
        self.settings = settings

    async def send(self, to: str, message: Message, message_id: str) -> None:
        email = EmailMessage()
        email["From"] = self.settings.mail_from
        email["To"] = to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        # Stable per (event, recipient): a re-send after a crash is recognisable as the same message.
        email["Message-ID"] = message_id
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        s = self.settings
        try:
            await aiosmtplib.send(
                email,
                hostname=s.smtp_host,
                port=s.smtp_port,
                start_tls=s.smtp_starttls,
                username=s.smtp_username,
                password=s.smtp_password,
                timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentRejection(f"{exc.code} {exc.message}") from exc
            raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            if all(500 <= c < 600 for c in codes):
                raise PermanentRejection(detail) from exc
            raise TemporaryFailure(detail) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
