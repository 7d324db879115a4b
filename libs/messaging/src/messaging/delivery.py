"""The one delivery policy of every consumer: aiokafka's loop (``messaging.consumer``) and faust's agents
(``messaging.faust_worker``) hand each record to ``deliver``.

- A value that does not honour the contracts goes to ``<topic>.dlt`` with its ``ContractError`` code;
  a payload type the topic does not carry (when the caller says which it carries: ``expected``), with
  ``unexpected_type``; a type no handler is registered for is skipped (the consumer does not care).
- A handler's ``PermanentError`` goes to the dead letters with its code.
- Infrastructure errors (the database or the broker away) and ``TransientError`` are retried without
  end: the record is never skipped.
- Any other handler error (a bug, bad data) is retried ``max_attempts`` times, then dead-lettered as
  ``handler_failed``.
- A dead letter is the original key and value, with the headers ``topics.DLT_*`` saying why, where the
  record came from and which consumer gave up on it (``events_dead_lettered_total``).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from aiokafka.errors import KafkaError
from prometheus_client import Counter
from pymongo.errors import ConnectionFailure

from contracts import ContractError, Envelope, parse_event, topics

log = logging.getLogger(__name__)

Handler = Callable[[Envelope[Any]], Awaitable[None]]
Headers = list[tuple[str, bytes]]
# Sends one record to a topic: (topic, key, value, headers); the dead letters go through it.
Send = Callable[[str, bytes | None, bytes | None, Headers], Awaitable[None]]

HANDLED = Counter("events_handled_total", "Events handled", ["consumer", "type"])
DEAD_LETTERED = Counter("events_dead_lettered_total", "Events sent to a dead-letter topic", ["consumer", "code"])


class PermanentError(Exception):
    """A message that can never be processed as it is; ``code`` is stable, the message is the reason."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


class TransientError(Exception):
    """A dependency is away for now (SMTP server down, 4xx answer): retry without end, never skip."""


RETRY_FOREVER = (ConnectionFailure, KafkaError, OSError, TransientError)


class Record(Protocol):
    """What delivery reads of a Kafka record (aiokafka's ``ConsumerRecord``, faust's ``Message``)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def dead_letter_headers(record: Record, code: str, reason: str, consumer: str) -> Headers:
    return [
        (topics.DLT_CODE, code.encode()),
        (topics.DLT_REASON, reason[:2000].encode()),
        (topics.DLT_SOURCE_TOPIC, record.topic.encode()),
        (topics.DLT_SOURCE_PARTITION, str(record.partition).encode()),
        (topics.DLT_SOURCE_OFFSET, str(record.offset).encode()),
        (topics.DLT_CONSUMER, consumer.encode()),
    ]


async def dead_letter(record: Record, code: str, reason: str, *, consumer: str, send: Send) -> None:
    """The record, as it came, to ``<topic>.dlt`` with the reason in headers."""
    DEAD_LETTERED.labels(consumer, code).inc()
    log.error(
        "%s: %s@%d offset %d to dead letters: %s (%s)",
        consumer,
        record.topic,
        record.partition,
        record.offset,
        code,
        reason,
    )
    headers = dead_letter_headers(record, code, reason, consumer)
    await send(topics.dead_letter(record.topic), record.key, record.value, headers)


async def deliver(
    record: Record,
    registry: Mapping[type, Handler],
    send: Send,
    *,
    consumer: str,
    max_attempts: int = 5,
    expected: tuple[type, ...] | None = None,
) -> None:
    """Parse the record, hand it to its handler with the policy above; returns once it was handled,
    skipped or dead-lettered. An error sending a dead letter propagates (the caller retries the record)."""
    try:
        envelope = parse_event(record.value)
    except ContractError as exc:
        await dead_letter(record, exc.code, exc.reason, consumer=consumer, send=send)
        return
    if expected is not None and not isinstance(envelope.data, expected):
        reason = f"{envelope.type} does not belong on {record.topic}"
        await dead_letter(record, "unexpected_type", reason, consumer=consumer, send=send)
        return
    handler = registry.get(type(envelope.data))
    if handler is None:
        return  # a type this consumer does not care about
    attempt = 0
    while True:
        attempt += 1
        try:
            await handler(envelope)
            HANDLED.labels(consumer, envelope.type).inc()
            return
        except PermanentError as exc:
            await dead_letter(record, exc.code, str(exc), consumer=consumer, send=send)
            return
        except RETRY_FOREVER as exc:
            delay = min(0.2 * 2 ** min(attempt, 6), 10.0)
            log.warning("%s: infrastructure error on %s, retrying in %.1fs: %r", consumer, envelope.id, delay, exc)
            await asyncio.sleep(delay)
        except Exception as exc:  # noqa: BLE001 - a bug or bad data: bounded retries, then dead letter
            if attempt >= max_attempts:
                log.exception("%s: event %s failed %d times; dead-lettering", consumer, envelope.id, attempt)
                await dead_letter(
                    record, "handler_failed", f"{type(exc).__name__}: {exc}", consumer=consumer, send=send
                )
                return
            await asyncio.sleep(0.1 * 2**attempt)
