"""Status facts are recorded once per event id; an archived dossier is forgotten; the sweep publishes
what falls due by the business clock, once."""

import uuid
from datetime import timedelta

from contracts import (
    DeadlineReached,
    DossierKept,
    DossierRemoved,
    Echeance,
    PieceStatusChanged,
    Statut,
    make_event,
    parse_event,
    topics,
    utcnow,
)
from routing.usecases.deadline_sweep import DEADLINE_IDS, publish_due, sweep
from tests.support.snapshots import snapshot

from .support import FOURNISSEUR, VALIDEUR


def status_event(statut: Statut, days_ago: float, cadre: str = "A10", dossier_id: str = "d"):
    changed = PieceStatusChanged(
        previous_statut=None,
        statut=statut,
        changed_at=utcnow() - timedelta(days=days_ago),
        piece=snapshot(cadre, statut, piece_id="a10", dossier_id=dossier_id),
    )
    return make_event(changed, source="/test", subject=dossier_id)


async def test_a_status_fact_is_recorded_once_per_event_id(service):
    deposited, to_validate = status_event(Statut.DEPOSEE, 1), status_event(Statut.A_VALIDER_1, 1)
    for envelope in (deposited, to_validate, to_validate):  # the second one re-delivered
        await service.deliver(topics.PIECES_STATUS, envelope.to_bytes())
    state = await service.store.get("d")
    assert [fact.event_id for fact in state.facts] == [str(to_validate.id)]  # DEPOSEE moves no deadline
    assert state.pieces["a10"].parties >= {FOURNISSEUR, VALIDEUR}
    assert [item.echeance for item in state.plan(service.ctx.settings.ecb_main_refinancing_rate)] == [
        Echeance.VALIDATION_HORS_DELAI
    ]


async def test_an_archived_dossier_is_forgotten_and_a_kept_one_stays(service):
    await service.deliver(topics.PIECES_STATUS, status_event(Statut.A_VALIDER_1, 1).to_bytes())
    kept = DossierKept(dossier_id="d", move_id="m", code="dossier_modifie", reason="changed")
    await service.deliver(topics.DOSSIERS_REMOVED, make_event(kept, source="/t", subject="d").to_bytes())
    assert await service.store.get("d") is not None
    removed = DossierRemoved(
        dossier_id="d", move_id="m", piece_ids=["a10"], notification_ids=[], location="/a/d", removed_at=utcnow()
    )
    for _ in range(2):  # idempotent
        await service.deliver(topics.DOSSIERS_REMOVED, make_event(removed, source="/t", subject="d").to_bytes())
    assert await service.store.get("d") is None and not service.dead_letters


async def test_the_sweep_publishes_what_fell_due_once_with_a_stable_id(service):
    await service.deliver(topics.PIECES_STATUS, status_event(Statut.A_VALIDER_1, 14).to_bytes())
    assert await sweep(service.ctx) == 0 and service.publisher.sent == []  # 14 days: not yet

    service.ctx.clock.set_offset(timedelta(days=1, minutes=1))  # the business clock moves past the 15 days
    assert await sweep(service.ctx) == 1
    [(topic, key, value)] = service.publisher.sent
    event = parse_event(value)
    reached: DeadlineReached = event.data
    assert topic == topics.DEADLINES and key == b"d" and event.subject == "d"
    assert reached.echeance is Echeance.VALIDATION_HORS_DELAI and reached.piece_id == "a10"
    assert event.id.version == 5 and (await service.store.get("d")).fired

    assert await sweep(service.ctx) == 0 and len(service.publisher.sent) == 1  # remembered: never twice
    assert await service.store.due(service.ctx.clock.now(), 10) == []


async def test_one_step_of_the_sweep_publishes_a_leased_dossier_then_releases_it(service):
    await service.deliver(topics.PIECES_STATUS, status_event(Statut.A_VALIDER_1, 16).to_bytes())
    now = service.ctx.clock.now()
    state = await service.store.lease("d", now, service.ctx.lease)
    assert state is not None and await service.store.lease("d", now, service.ctx.lease) is None  # held
    [item] = state.plan(service.ctx.settings.ecb_main_refinancing_rate)
    assert await publish_due(service.ctx, state, now) == 1
    [(_, _, value)] = service.publisher.sent
    assert parse_event(value).id == uuid.uuid5(DEADLINE_IDS, f"d/{item.key}")  # what a re-publication reuses
    assert service.store.docs["d"]["lease_until"] is None
