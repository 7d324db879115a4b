"""The events deposit consumes: routing's decisions, deadlines, late-payment penalties, the archive's
verified copies. Each is applied once (a re-delivered event changes nothing) and an event about a pièce
or dossier deposit does not hold is a permanent error (its code goes with the dead letter)."""

import uuid
from decimal import Decimal

import pytest

from contracts import (
    ArchivedCounts,
    DeadlineReached,
    DossierArchived,
    DossierKept,
    DossierRemoved,
    Echeance,
    LatePaymentPenalties,
    Penalites,
    PieceRouted,
    PieceStatusChanged,
    PieceSubmitted,
    Recipient,
    Role,
    Statut,
    make_event,
    utcnow,
)
from deposit.handlers.dossier_archived import on_dossier_archived
from deposit.handlers.late_payment import on_late_payment
from deposit.handlers.piece_routed import on_piece_routed
from deposit.handlers.registry import handlers
from deposit.usecases.handover import dossier_bundle
from messaging.consumer import PermanentError

from .support import MAD_MOE, World


def _state(world: World) -> tuple:
    return repr(world.ctx.pieces.pieces), repr(world.ctx.pieces.dossiers), len(world.uow.published)  # type: ignore[attr-defined]


async def archived_event(world: World, piece_id: str, fingerprint: str | None = None):
    dossier_id = (await world.piece(piece_id))["dossier_id"]
    bundle = await dossier_bundle(world.ctx.pieces, dossier_id)
    assert bundle is not None
    archived = DossierArchived(
        dossier_id=dossier_id,
        move_id=str(uuid.uuid4()),
        fingerprint=fingerprint or bundle["fingerprint"],
        piece_ids=[p["_id"] for p in bundle["pieces"]],
        notification_ids=[],
        counts=ArchivedCounts(
            pieces=len(bundle["pieces"]), documents=len(bundle["documents"]), octets=0, notifications=0
        ),
        location=f"http://archive.example/v1/dossiers/{dossier_id}",
        archived_at=utcnow(),
    )
    return make_event(archived, source="/travaux/archive", subject=dossier_id)


async def archive_dossier(world: World, piece_id: str):
    envelope = await archived_event(world, piece_id)
    await on_dossier_archived(world.ctx, envelope)
    return envelope


def test_the_registry_maps_each_consumed_event_to_its_handler(world: World):
    assert set(handlers(world.ctx)) == {PieceRouted, DeadlineReached, LatePaymentPenalties, DossierArchived}


# ---- piece_routed ---------------------------------------------------------------------------------


async def test_a_routing_decision_moves_the_piece_and_announces_it_once(world: World):
    a4 = await world.initial("A4")
    decision = await world.route(a4, MAD_MOE, Role.MOE)
    record = await world.piece(a4)
    assert record["statut"] == MAD_MOE and record["attente"]["role"] == "MOE" and "soumission" not in record
    statuses = [e.statut for e in world.published(PieceStatusChanged) if e.piece.piece_id == a4]
    assert statuses == [Statut.DEPOSEE, MAD_MOE]
    before = _state(world)
    await on_piece_routed(world.ctx, decision)  # re-delivered
    assert _state(world) == before
    assert world.uow.claimed.count(str(decision.id)) == 1


async def test_a_late_decision_on_a_piece_that_moved_on_changes_nothing(world: World):
    a4 = await world.a4_at_moe()
    before = _state(world)
    await world.route(a4, Statut.ERREUR_ACHEMINEMENT)
    assert _state(world) == before and await world.statut(a4) is MAD_MOE


async def test_a_routing_error_is_recorded_with_its_code(world: World):
    a4 = await world.initial("A4")
    record = await world.piece(a4)
    decision = PieceRouted(
        piece_id=a4,
        dossier_id=record["dossier_id"],
        submitted_event_id=record["soumission"]["event_id"],
        statut=Statut.ERREUR_ACHEMINEMENT,
        error_code="moe_inconnue",
        error_detail="la MOE n'est pas connue",
    )
    await on_piece_routed(world.ctx, make_event(decision, source="/travaux/routing", subject=record["dossier_id"]))
    record = await world.piece(a4)
    assert record["statut"] == "ERREUR_ACHEMINEMENT" and record["motif"] == "moe_inconnue"


async def test_a_decision_for_an_unknown_piece_is_a_permanent_error_and_changes_nothing(world: World):
    decision = PieceRouted(
        piece_id="nope", dossier_id="nope", submitted_event_id="x", statut=MAD_MOE,
        recipient=Recipient(role=Role.MOE, siret=world.siret("moe")),
    )  # fmt: skip
    envelope = make_event(decision, source="/travaux/routing", subject="nope")
    with pytest.raises(PermanentError) as error:
        await on_piece_routed(world.ctx, envelope)
    assert error.value.code == "piece_inconnue"
    assert world.uow.claimed == [] and world.uow.published == []


# ---- deadline_reached ------------------------------------------------------------------------------


async def test_an_a10_unanswered_for_15_days_goes_back_to_routing_once(world: World):
    a10 = await world.deposited(
        "sous_traitant", "A10", fournisseur=world.siret("sous_traitant"), valideur=world.siret("fournisseur"),
        moe=world.siret("moe"), moa=world.siret("moa"),
    )  # fmt: skip
    await world.route(a10, Statut.A_VALIDER_1, Role.VALIDEUR)
    reached = await world.reach(a10, Echeance.VALIDATION_HORS_DELAI)
    record = await world.piece(a10)
    assert record["statut"] == "ABSENCE_VALIDATION_1_HORS_DELAI" and record["echeances"] == ["VALIDATION_HORS_DELAI"]
    assert len(world.submitted_of(a10)) == 2 and record["soumission"]["reason"] == "VALIDATION"
    before = _state(world)
    from deposit.handlers.deadline_reached import on_deadline_reached

    await on_deadline_reached(world.ctx, reached)
    assert _state(world) == before


async def test_a_deadline_that_only_opens_a_procedure_is_recorded_on_the_dossier(world: World):
    a7 = await world.initial("A7", moa=None)
    await world.route(a7, MAD_MOE, Role.MOE)
    await world.reach(a7, Echeance.DG_NON_NOTIFIE)
    assert await world.statut(a7) is MAD_MOE
    dossier = world.ctx.pieces.dossiers[(await world.piece(a7))["dossier_id"]]  # type: ignore[attr-defined]
    assert dossier["echeances"] == ["DG_NON_NOTIFIE"]


async def test_a_deadline_for_an_unknown_or_archived_piece_is_a_permanent_error(world: World):
    from contracts import DeadlineReached
    from deposit.handlers.deadline_reached import on_deadline_reached

    unknown = DeadlineReached(piece_id="nope", dossier_id="nope", echeance=Echeance.DG_NON_NOTIFIE, due_at=utcnow())
    with pytest.raises(PermanentError) as error:
        await on_deadline_reached(world.ctx, make_event(unknown, source="/travaux/routing", subject="nope"))
    assert error.value.code == "piece_inconnue"
    a4 = await world.a4_at_moe()
    dossier_id = (await world.piece(a4))["dossier_id"]
    await archive_dossier(world, a4)
    gone = DeadlineReached(piece_id=a4, dossier_id=dossier_id, echeance=Echeance.DG_NON_NOTIFIE, due_at=utcnow())
    with pytest.raises(PermanentError) as error:
        await on_deadline_reached(world.ctx, make_event(gone, source="/travaux/routing", subject=dossier_id))
    assert error.value.code == "dossier_archive"


# ---- late_payment --------------------------------------------------------------------------------


def _penalties(piece_id: str, dossier_id: str):
    figures = Penalites(
        base=Decimal("12000.00"), taux_bce=Decimal("4.00"), taux=Decimal("12.00"), jours_retard=10,
        interets=Decimal("39.45"), indemnite_forfaitaire=Decimal("40.00"), total=Decimal("79.45"),
    )  # fmt: skip
    late = LatePaymentPenalties(
        piece_id=piece_id, dossier_id=dossier_id, due_at=utcnow(), paid_at=utcnow(), penalites=figures
    )
    return make_event(late, source="/travaux/routing", subject=dossier_id)


async def test_late_payment_penalties_are_kept_on_the_dossier_and_again_changes_nothing(world: World):
    a4 = await world.a4_at_moe()
    dossier_id = (await world.piece(a4))["dossier_id"]
    envelope = _penalties(a4, dossier_id)
    await on_late_payment(world.ctx, envelope)
    dossiers = world.ctx.pieces.dossiers  # type: ignore[attr-defined]
    assert dossiers[dossier_id]["penalites"]["total"] == "79.45"
    before = _state(world)
    await on_late_payment(world.ctx, envelope)
    assert _state(world) == before


async def test_penalties_for_an_unknown_or_archived_dossier_are_a_permanent_error(world: World):
    with pytest.raises(PermanentError) as error:
        await on_late_payment(world.ctx, _penalties("nope", "nope"))
    assert error.value.code == "dossier_inconnu"
    a4 = await world.a4_at_moe()
    dossier_id = (await world.piece(a4))["dossier_id"]
    await archive_dossier(world, a4)
    with pytest.raises(PermanentError) as error:
        await on_late_payment(world.ctx, _penalties(a4, dossier_id))
    assert error.value.code == "dossier_archive"


# ---- dossier_archived ------------------------------------------------------------------------------


async def test_an_unchanged_dossier_leaves_the_active_store_once(world: World):
    a4 = await world.a4_at_moe()
    a15 = await world.deposited("moe", "A15", a4)
    dossier_id = (await world.piece(a4))["dossier_id"]
    envelope = await archive_dossier(world, a4)
    assert world.ctx.pieces.pieces == {} and dossier_id not in world.ctx.pieces.dossiers  # type: ignore[attr-defined]
    assert world.ctx.documents.files == {}  # type: ignore[attr-defined]
    removed = world.published(DossierRemoved)
    assert len(removed) == 1 and set(removed[0].piece_ids) == {a4, a15}
    tombstone = await world.ctx.archived.of_dossier(dossier_id)
    assert tombstone is not None and {p["piece_id"] for p in tombstone["pieces"]} == {a4, a15}
    before = _state(world)
    await on_dossier_archived(world.ctx, envelope)  # re-delivered
    assert _state(world) == before
    # announced again under a new event id (the archive retried): the same answer, nothing removed twice
    again = make_event(envelope.data, source="/travaux/archive", subject=dossier_id)
    await on_dossier_archived(world.ctx, again)
    assert [type(e.data) for e in world.uow.published[-1:]] == [DossierRemoved]
    assert world.published(DossierRemoved)[-1].removed_at == removed[0].removed_at


async def test_a_dossier_that_changed_after_the_copy_stays(world: World):
    a4 = await world.a4_at_moe()
    envelope = await archived_event(world, a4)
    await world.act("moe", a4, "refuser", motif="MAUVAISE_MOE")
    await on_dossier_archived(world.ctx, envelope)
    kept = world.published(DossierKept)
    assert [k.code for k in kept] == ["dossier_modifie"] and await world.ctx.pieces.get(a4) is not None


async def test_an_unknown_dossier_is_kept_by_nobody(world: World):
    a4 = await world.a4_at_moe()
    envelope = await archived_event(world, a4)
    data = envelope.data.model_copy(update={"dossier_id": "nope"})
    await on_dossier_archived(world.ctx, make_event(data, source="/travaux/archive", subject="nope"))
    assert [k.code for k in world.published(DossierKept)] == ["dossier_inconnu"]


async def test_the_submitted_events_carry_the_piece(world: World):
    a4 = await world.initial("A4")
    [submitted] = world.submitted_of(a4)
    assert isinstance(submitted, PieceSubmitted) and submitted.piece.statut is Statut.DEPOSEE
