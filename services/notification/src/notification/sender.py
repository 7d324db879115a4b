"""The sender: drains the delivery queue, apart from the consumer, so a slow or dead SMTP server never
holds up the consumption of events (they are queued in MongoDB within milliseconds either way).

Each due delivery is leased (several replicas share the queue), sent, then marked ``sent``. A temporary
failure (connection refused, timeout, 4xx) is retried with exponential backoff and jitter; a 5xx, or
``SMTP_MAX_ATTEMPTS`` failures in a row, make it ``dead``: it is published on
``travaux.pieces.status.dlt`` with the reason, then marked dead (a crash in between publishes it again;
the replay is idempotent).
"""

import asyncio
import hashlib
import logging
from datetime import timedelta
from typing import Any

from prometheus_client import Counter

from contracts import utcnow
from messaging.consumer import persistently
from notification.adapters.dead_letters import DLT_DELIVERY
from notification.context import NotificationContext, NotificationTx
from notification.domain.messages import Message
from notification.domain.retries import exhausted, next_attempt
from notification.ports import PermanentRejection, TemporaryFailure

__all__ = ["DLT_DELIVERY", "Sender", "message_id"]
log = logging.getLogger(__name__)
SENT = Counter("notification_mails_total", "Mail delivery outcomes", ["outcome"])


def message_id(key: str) -> str:
    """The same for every attempt of one delivery, so a resent copy can be recognised."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@travaux.notification>"


class Sender:
    def __init__(self, ctx: NotificationContext):
        self.ctx = ctx
        self.settings = ctx.settings
        # Long enough for one send to time out (then the attempt is recorded), short enough that the
        # mails a killed sender held go out soon after its restart.
        self.lease = timedelta(seconds=3 * ctx.settings.smtp_timeout_seconds)
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notification-sender")

    def notify(self) -> None:
        """New deliveries were queued: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                if not await self.drain():
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), self.settings.sender_poll_seconds)
                    except TimeoutError:
                        pass
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away: log, wait, try again; nothing is lost (it is all stored)
                log.exception("sender: cannot drain the delivery queue; retrying")
                await asyncio.sleep(self.settings.sender_poll_seconds)

    async def drain(self) -> int:
        """Attempt every delivery due now, ``SENDER_CONCURRENCY`` at a time; returns how many were tried
        (0 when every due mail is leased by another sender: then wait, rather than read the queue again)."""
        keys = await self.ctx.deliveries.due(utcnow(), self.settings.sender_batch)
        queue = list(reversed(keys))

        async def worker() -> int:
            tried = 0
            while queue:
                tried += await self.attempt(queue.pop())
            return tried

        return sum(await asyncio.gather(*(worker() for _ in range(self.settings.sender_concurrency))))

    async def attempt(self, key: str) -> bool:
        """Send one queued mail if this sender can lease it; whether it tried."""
        delivery = await self.ctx.deliveries.lease(key, self.lease)
        if delivery is None:  # another sender has it (or a killed one, until its lease expires), or it is done
            return False
        message = Message(delivery["subject"], delivery["text"], delivery["html"])
        try:
            await self.ctx.mailer.send(delivery["email"], message, message_id(key))
        except PermanentRejection as exc:
            await self.dead(delivery, "smtp_rejected", str(exc))
        except TemporaryFailure as exc:
            attempts = delivery["attempts"] + 1
            if exhausted(attempts, self.settings.smtp_max_attempts):
                await self.dead(delivery, "smtp_retries_exhausted", f"{attempts} attempts; last: {exc}")
                return True
            s = self.settings
            at = next_attempt(utcnow(), attempts, s.smtp_retry_base_seconds, s.smtp_retry_max_seconds)
            await self.ctx.deliveries.retry_later(key, str(exc), at, attempts)
            SENT.labels("retrying").inc()
        else:
            # The SMTP server has it: the record must say so, or the lease expires and it goes again. A
            # database away at this moment is waited for (its lease outlasts a short outage).
            await persistently("sent mail record", self.ctx.deliveries.mark_sent, key, delivery["attempts"] + 1)
            SENT.labels("sent").inc()
        return True

    async def dead(self, delivery: dict[str, Any], code: str, reason: str) -> None:
        key = delivery["_id"]
        summary = {k: delivery.get(k) for k in ("event_id", "email", "dossier_id", "piece_id", "statut", "subject")}
        await self.ctx.dead_letters.dead_mail(key, summary, code, reason)

        async def work(tx: NotificationTx) -> None:
            await tx.deliveries.mark_dead(key, f"{code}: {reason}", delivery["attempts"] + 1, delivery)

        await self.ctx.uow.run(work)
        SENT.labels("dead").inc()
        log.warning("mail %s to %s dead-lettered: %s (%s)", key, delivery["email"], code, reason)
