"""The one delivery policy of aiokafka's consumer loop and faust's agents: what goes to the dead letters,
with which code and headers, and what is retried."""

from dataclasses import dataclass

from pymongo.errors import AutoReconnect

from contracts import DossierKept, DossierRemoved, make_event, topics, utcnow
from messaging.delivery import HANDLED, PermanentError, deliver

TOPIC = topics.DOSSIERS_REMOVED


@dataclass
class Record:
    value: bytes | None
    topic: str = TOPIC
    key: bytes | None = b"d"
    partition: int = 2
    offset: int = 41


def removed() -> bytes:
    payload = DossierRemoved(
        dossier_id="d", move_id="m", piece_ids=[], notification_ids=[], location="/a/d", removed_at=utcnow()
    )
    return make_event(payload, source="/t", subject="d").to_bytes()


class Sink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, dict]] = []

    async def __call__(self, topic, key, value, headers) -> None:
        self.sent.append((topic, key, value, dict(headers)))

    def codes(self) -> list[bytes]:
        return [headers[topics.DLT_CODE] for *_, headers in self.sent]


async def test_a_value_outside_the_contracts_goes_to_the_dead_letters_with_its_code_and_origin():
    sink = Sink()
    await deliver(Record(b"{not json"), {}, sink, consumer="c")
    await deliver(Record(None), {}, sink, consumer="c")
    [(topic, key, value, headers), _] = sink.sent
    assert topic == topics.dead_letter(TOPIC) and key == b"d" and value == b"{not json"
    assert headers[topics.DLT_SOURCE_TOPIC] == TOPIC.encode() and headers[topics.DLT_CONSUMER] == b"c"
    assert headers[topics.DLT_SOURCE_PARTITION] == b"2" and headers[topics.DLT_SOURCE_OFFSET] == b"41"
    assert sink.codes()[1] == b"empty_value" and headers[topics.DLT_REASON]


async def test_a_type_without_handler_is_skipped_unless_the_topic_does_not_carry_it():
    sink, calls = Sink(), []

    async def handler(envelope) -> None:
        calls.append(envelope.id)

    await deliver(Record(removed()), {DossierKept: handler}, sink, consumer="c")
    assert sink.sent == [] and calls == []
    await deliver(Record(removed()), {DossierKept: handler}, sink, consumer="c", expected=(DossierKept,))
    assert sink.codes() == [b"unexpected_type"]
    before = HANDLED.labels("c", "fr.travaux.dossier.removed.v1")._value.get()
    await deliver(Record(removed()), {DossierRemoved: handler}, sink, consumer="c", expected=(DossierRemoved,))
    assert len(calls) == 1 and HANDLED.labels("c", "fr.travaux.dossier.removed.v1")._value.get() == before + 1


async def test_a_permanent_error_is_dead_lettered_with_its_code_a_bug_after_the_last_attempt():
    sink, attempts = Sink(), []

    async def refuses(envelope) -> None:
        raise PermanentError("piece_inconnue", "no such pièce")

    async def fails(envelope) -> None:
        attempts.append(1)
        raise ValueError("bug")

    await deliver(Record(removed()), {DossierRemoved: refuses}, sink, consumer="c")
    await deliver(Record(removed()), {DossierRemoved: fails}, sink, consumer="c", max_attempts=2)
    assert sink.codes() == [b"piece_inconnue", b"handler_failed"] and len(attempts) == 2
    assert sink.sent[1][3][topics.DLT_REASON] == b"ValueError: bug"


async def test_an_infrastructure_error_is_retried_not_dead_lettered():
    sink, attempts = Sink(), []

    async def flaky(envelope) -> None:
        attempts.append(1)
        if len(attempts) < 2:
            raise AutoReconnect("database away")

    await deliver(Record(removed()), {DossierRemoved: flaky}, sink, consumer="c", max_attempts=1)
    assert len(attempts) == 2 and sink.sent == []
