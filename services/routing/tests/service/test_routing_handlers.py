"""A submission is routed, waits for a structure the view lacks, or comes back as a routing error; a
re-delivered one yields the same decision."""

import time

from contracts import (
    PieceRouted,
    PieceSubmitted,
    Role,
    Statut,
    make_event,
    new_event_id,
    parse_event,
    topics,
)
from routing.handlers.piece_submitted import refresh_if_stale, route_waiting
from tests.support.snapshots import MOE, snapshot

from .support import ROLES, make_service, structure


def submission(cadre: str = "A4", piece_id: str = "p1"):
    return make_event(PieceSubmitted(piece=snapshot(cadre, piece_id=piece_id)), source="/test", subject="d")


async def submit(service, envelope) -> None:
    await service.deliver(topics.PIECES_SUBMITTED, envelope.to_bytes())


def decisions(service) -> list:
    assert {topic for topic, _, _ in service.publisher.sent} <= {topics.PIECES_ROUTED}
    return [parse_event(value) for _, _, value in service.publisher.sent]


async def test_a_submission_is_routed_to_its_recipient_once_per_event_id(service):
    envelope = submission("A4")
    await submit(service, envelope)
    await submit(service, envelope)  # re-delivered
    first, again = decisions(service)
    decision: PieceRouted = first.data
    assert decision.statut is Statut.MISE_A_DISPOSITION_MOE and decision.recipient.role is Role.MOE
    assert decision.recipient.siret == MOE and decision.submitted_event_id == str(envelope.id)
    assert first.id == again.id == new_event_id(envelope.id, "routed") and first.subject == "d"
    assert not service.ctx.waiting and not service.dead_letters


async def test_a_submission_naming_a_structure_the_view_lacks_waits_then_is_routed_when_it_learns_it():
    service = make_service(*(structure(role) for role in ROLES if role != "moe"))
    envelope = submission("A4")
    await submit(service, envelope)
    assert decisions(service) == [] and "p1" in service.ctx.waiting  # never a structure_inconnue error
    await route_waiting(service.ctx)
    assert decisions(service) == [] and len(service.ctx.waiting) == 1  # the view still lacks it

    service.directory.learn(structure("moe"))
    await route_waiting(service.ctx)
    [decision] = decisions(service)
    assert decision.data.statut is Statut.MISE_A_DISPOSITION_MOE and decision.id == new_event_id(envelope.id, "routed")
    assert not service.ctx.waiting


async def test_a_piece_waiting_too_long_has_the_view_read_its_topic_anew_at_most_once_per_period():
    service = make_service(*(structure(role) for role in ROLES if role != "moe"))
    after = service.ctx.settings.directory_refresh_seconds
    now = time.monotonic()
    service.directory.refreshed_at = now
    assert not refresh_if_stale(service.ctx, now + 10 * after)  # nobody waits: nothing to do
    await submit(service, submission("A4"))
    assert not refresh_if_stale(service.ctx, time.monotonic() + after / 2)  # not long enough yet

    later = time.monotonic() + after + 1
    assert refresh_if_stale(service.ctx, later)
    assert service.directory.refreshes and "waited" in service.directory.refreshes[0]
    service.directory.refreshed_at = later  # the view read the topic anew then
    assert not refresh_if_stale(service.ctx, later + after / 2)  # not again so soon
    assert refresh_if_stale(service.ctx, later + after + 1)  # still waiting a period later: again

    service.directory.learn(structure("moe"))
    await route_waiting(service.ctx)
    assert not service.ctx.waiting and not refresh_if_stale(service.ctx, later + 10 * after)


async def test_a_submission_the_directory_refuses_is_a_routing_error_the_issuer_sees():
    service = make_service(*(structure(role) for role in ROLES if role != "destinataire"))
    service.directory.learn(structure("destinataire", publique=False))
    await submit(service, submission("A6"))
    [decision] = decisions(service)
    assert decision.data.statut is Statut.ERREUR_ACHEMINEMENT
    assert decision.data.error_code == "destinataire_non_publique" and decision.data.recipient is None
    assert not service.ctx.waiting and not service.dead_letters


async def test_a_record_that_does_not_belong_on_the_topic_goes_to_the_dead_letters(service):
    other = PieceRouted(piece_id="p", dossier_id="d", submitted_event_id="x", statut=Statut.ERREUR_ACHEMINEMENT)
    await service.deliver(topics.PIECES_SUBMITTED, make_event(other, source="/t", subject="d").to_bytes())
    await service.deliver(topics.PIECES_SUBMITTED, b"{not json")
    codes = [dict(headers)[topics.DLT_CODE] for _, _, _, headers in service.dead_letters]
    assert codes[0] == b"unexpected_type" and len(codes) == 2
    assert {topic for topic, *_ in service.dead_letters} == {topics.dead_letter(topics.PIECES_SUBMITTED)}
    assert all(dict(headers)[topics.DLT_CONSUMER] == b"routing" for *_, headers in service.dead_letters)
    assert service.publisher.sent == []
