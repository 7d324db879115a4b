"""The sender: a mail is sent and recorded, a temporary failure is retried with backoff, a permanent one
(or too many temporary ones) makes it dead and dead-lettered, and the replay queues it again."""

from datetime import timedelta

from contracts import Role, Statut, make_event, topics, utcnow
from notification.adapters.dead_letters import DLT_DELIVERY
from notification.replay import _replay_one
from notification.sender import Sender, message_id

MOE = "44306184100047"
CLAIRE, PAUL, AGNES = "claire@durand.example", "paul@moe.example", "agnes@commune.example"


async def queued_a4(service, status_change) -> str:
    event = await service.deliver(status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE)))
    return str(event.id)


def counts() -> dict[str, int]:
    return {"revived": 0, "already_done": 0, "events_handled": 0, "skipped": 0}


async def test_every_due_mail_is_sent_once_with_its_stable_message_id(service, status_change):
    event_id = await queued_a4(service, status_change)
    sender, mailer = Sender(service.ctx), service.ctx.mailer

    assert await sender.drain() == 3
    assert await sender.drain() == 0

    assert sorted(to for to, _, _ in mailer.sent) == sorted([CLAIRE, PAUL, AGNES])
    key = f"{event_id}:{PAUL}"
    assert [mid for to, _, mid in mailer.sent if to == PAUL] == [message_id(key)]
    assert mailer.to(PAUL)[0].subject.startswith("[Travaux] Action attendue")
    assert service.queued == {}
    assert {(r["state"], r["attempts"], r["error"]) for r in service.ledger.values()} == {("sent", 1, None)}


async def test_a_temporary_failure_is_retried_after_a_backoff_then_sent(service, status_change):
    event_id = await queued_a4(service, status_change)
    service.ctx.mailer.fail(PAUL, "transient")
    sender, key = Sender(service.ctx), f"{event_id}:{PAUL}"
    before = utcnow()

    assert await sender.drain() == 3
    record = service.ledger[key]
    assert record["state"] == "retrying" and record["attempts"] == 1 and record["error"].startswith("421")
    # base 10 s: the first wait is 5 to 10 s (half of it, plus a random half)
    assert before + timedelta(seconds=5) <= record["next_attempt_at"] <= utcnow() + timedelta(seconds=10)
    assert await sender.drain() == 0  # not due yet

    service.ctx.deliveries.later(10)
    assert await sender.drain() == 1
    assert service.ledger[key]["state"] == "sent" and service.ledger[key]["attempts"] == 2
    assert len(service.ctx.mailer.to(PAUL)) == 1 and service.ctx.dead_letters.records == []


async def test_a_permanent_rejection_makes_the_mail_dead_and_dead_lettered_at_once(service, status_change):
    event_id = await queued_a4(service, status_change)
    service.ctx.mailer.fail(PAUL, "permanent")
    key = f"{event_id}:{PAUL}"

    await Sender(service.ctx).drain()

    record = service.ledger[key]
    assert record["state"] == "dead" and record["attempts"] == 1 and record["error"].startswith("smtp_rejected: 550")
    [(dead_key, summary, code, reason)] = service.ctx.dead_letters.records
    assert (dead_key, code, summary["email"], summary["event_id"]) == (key, "smtp_rejected", PAUL, event_id)
    assert reason.startswith("550") and key not in service.queued
    kept = service.ctx.deliveries.dead[key]
    assert kept["subject"].startswith("[Travaux] Action attendue") and "Cabinet Moe" in kept["text"]


async def test_too_many_temporary_failures_make_the_mail_dead(service, status_change):
    event_id = await queued_a4(service, status_change)
    service.ctx.mailer.fail(PAUL, "transient", times=3)  # SMTP_MAX_ATTEMPTS is 3 here
    sender, key = Sender(service.ctx), f"{event_id}:{PAUL}"

    for _ in range(3):
        await sender.drain()
        service.ctx.deliveries.later(60)

    assert service.ledger[key]["state"] == "dead" and service.ledger[key]["attempts"] == 3
    [(_, _, code, reason)] = service.ctx.dead_letters.records
    assert code == "smtp_retries_exhausted" and reason.startswith("3 attempts; last: 421")
    assert service.ctx.mailer.to(PAUL) == [] and await sender.drain() == 0


async def test_the_replay_queues_a_dead_mail_again_once_and_the_sender_delivers_it(service, status_change):
    event_id = await queued_a4(service, status_change)
    service.ctx.mailer.fail(PAUL, "permanent")
    sender, key = Sender(service.ctx), f"{event_id}:{PAUL}"
    await sender.drain()
    headers = {topics.DLT_CONSUMER: b"notification", DLT_DELIVERY: key.encode()}

    dry = counts()
    await _replay_one(service.ctx, headers, b"{}", dry, dry_run=True)
    assert dry["revived"] == 1 and service.ledger[key]["state"] == "dead"  # a dry run changes nothing

    first, second = counts(), counts()
    await _replay_one(service.ctx, headers, b"{}", first, dry_run=False)
    await _replay_one(service.ctx, headers, b"{}", second, dry_run=False)  # the same dead letter read again
    assert first["revived"] == 1 and second["already_done"] == 1
    assert service.ledger[key]["state"] == "pending" and service.ledger[key]["attempts"] == 0
    assert key in service.queued and key not in service.ctx.deliveries.dead

    assert await sender.drain() == 1
    assert service.ledger[key]["state"] == "sent" and len(service.ctx.mailer.to(PAUL)) == 1


async def test_the_replay_handles_a_dead_lettered_event_again_once_its_cause_is_fixed(service, status_change):
    event = status_change("A4", Statut.MISE_A_DISPOSITION_MOE, expected=(Role.MOE, MOE))
    structures = service.ctx.structures.structures
    moe = structures.pop(MOE)  # the directory had not caught up: the consumer dead-lettered the event
    envelope = make_event(event, source="/tests", subject="d")
    structures[MOE] = moe  # it has now
    handled = counts()

    await _replay_one(service.ctx, {topics.DLT_CONSUMER: b"notification"}, envelope.to_bytes(), handled, False)
    await _replay_one(service.ctx, {topics.DLT_CONSUMER: b"notification"}, envelope.to_bytes(), handled, False)
    await _replay_one(service.ctx, {topics.DLT_CONSUMER: b"routing"}, envelope.to_bytes(), handled, False)

    assert handled == {"revived": 0, "already_done": 0, "events_handled": 2, "skipped": 1}
    assert len(service.ledger) == 3 and {r["event_id"] for r in service.ledger.values()} == {str(envelope.id)}


async def test_a_mail_leased_by_another_sender_is_left_to_it_until_its_lease_expires(service, status_change):
    event_id = await queued_a4(service, status_change)
    key = f"{event_id}:{PAUL}"
    other = Sender(service.ctx)
    assert await service.ctx.deliveries.lease(key, other.lease) is not None  # then that sender was killed

    sender = Sender(service.ctx)
    assert await sender.drain() == 2 and service.ledger[key]["state"] == "pending"
    service.ctx.deliveries.later(other.lease.total_seconds() + 1)
    assert await sender.attempt(key) and service.ledger[key]["state"] == "sent"
