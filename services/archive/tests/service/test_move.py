"""The move of a dossier, step by step (claimed → copied → verified → announced), then the owner's answer;
and that a step run again after a crash (its lease expired, the next sweep resumes it) changes nothing."""

import copy
import uuid
from datetime import UTC, datetime

from archive.handlers.registry import handlers
from archive.move import ANNOUNCEMENT_IDS
from contracts import DossierArchived, DossierKept, DossierRemoved, make_event, utcnow
from readmodel.access import PieceParties

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
FOURNISSEUR = PieceParties(frozenset({"73282932000074"}), None)


def state(world) -> dict:
    """Everything the archive holds: its store and the activity records."""
    store = world.store
    return copy.deepcopy(
        {"dossiers": store.dossiers, "pieces": store.pieces, "files": store.files, "contents": store.contents,
         "activity": world.activity.records}
    )  # fmt: skip


def without_times(snapshot: dict) -> dict:
    """The state, leases and timestamps of the moves aside (a resumed step writes its own times)."""
    for record in snapshot["activity"].values():
        for key in ("lease_until", "started_at", "announced_at"):
            record.get("move", {}).pop(key, None)
    for dossier in snapshot["dossiers"].values():
        dossier.pop("staged_at", None)
    for meta in snapshot["files"].values():
        meta.pop("uploadDate", None)
    return snapshot


async def answer(world, payload) -> None:
    await handlers(world.ctx)[type(payload)](make_event(payload, source="/tests", subject=payload.dossier_id))


def removed(dossier_id: str, move_id: str) -> DossierRemoved:
    return DossierRemoved(
        dossier_id=dossier_id, move_id=move_id, piece_ids=[], notification_ids=[], location="x", removed_at=utcnow()
    )


async def test_a_stale_dossier_is_copied_verified_and_announced(world):
    bundle = await world.stale_dossier("D-1")
    await world.stale_dossier("D-2")
    await world.activity.touch("D-3", AS_OF, "DEPOSEE", "D-3-p0", FOURNISSEUR)  # touched today

    report = await world.ctx.mover.sweep(AS_OF)

    assert report.outcomes == {"announced": 2}
    move = world.move_of("D-1")
    assert move["step"] == "announced" and world.phase("D-1") == "moving" and world.phase("D-3") == "active"
    assert move["counts"] == {"pieces": 2, "documents": 2, "octets": sum(d["size"] for d in bundle["documents"]),
                              "notifications": 1}  # fmt: skip
    staged = world.store.dossiers["D-1"]
    assert staged["state"] == "staged" and staged["fingerprint"] == "fp-D-1" and staged["counts"] == move["counts"]
    assert {p["archive"]["state"] for p in world.store.pieces.values()} == {"staged"}
    assert {world.store.contents[d["file_id"]] for d in bundle["documents"]} == {
        world.owners.contents[d["file_id"]] for d in bundle["documents"]
    }
    [event] = [e for e in world.announced.events if e.data.dossier_id == "D-1"]
    assert isinstance(event.data, DossierArchived) and event.id == uuid.uuid5(ANNOUNCEMENT_IDS, move["id"])
    assert event.data.piece_ids == ["D-1-p0", "D-1-p1"] and event.data.notification_ids == ["e-1:D-1@moe.example"]
    assert event.data.location == "https://archive.example/v1/archives/dossiers/D-1"
    assert event.data.fingerprint == "fp-D-1" and event.data.counts.documents == 2


async def test_the_owners_removal_publishes_the_copy_once(world):
    await world.stale_dossier("D-1")
    await world.ctx.mover.sweep(AS_OF)
    move_id = world.move_of("D-1")["id"]

    await answer(world, removed("D-1", "an-older-move"))  # an answer to another move changes nothing
    assert world.store.dossiers["D-1"]["state"] == "staged" and world.phase("D-1") == "moving"

    await answer(world, removed("D-1", move_id))
    after = state(world)
    await answer(world, removed("D-1", move_id))  # re-delivered

    assert state(world) == after
    assert world.phase("D-1") == "archived" and "move" not in world.activity.records["D-1"]
    assert world.store.dossiers["D-1"]["state"] == "archived"
    assert {p["archive"]["state"] for p in world.store.pieces.values()} == {"archived"}
    assert (await world.store.archived_dossier("D-1"))[0]["move_id"] == move_id
    assert (await world.store.counts()) == {"dossiers": 1, "pieces": 2, "documents": 2}


async def test_a_dossier_its_owner_kept_is_active_again_and_its_copy_dropped(world):
    await world.stale_dossier("D-1")
    await world.stale_dossier("D-2")
    await world.ctx.mover.sweep(AS_OF)

    await answer(
        world, DossierKept(dossier_id="D-1", move_id=world.move_of("D-1")["id"], code="dossier_modifie", reason="x")
    )
    await answer(
        world, DossierKept(dossier_id="D-2", move_id=world.move_of("D-2")["id"], code="dossier_inconnu", reason="x")
    )

    assert world.phase("D-1") == "active" and world.activity.records["D-1"]["last_abort"]["reason"] == "dossier_modifie"
    assert world.phase("D-2") == "absent"
    assert world.store.dossiers == {} and world.store.pieces == {} and world.store.files == {}


async def test_activity_during_the_move_aborts_it_before_the_announcement(world):
    await world.stale_dossier("D-1")
    owners, reads = world.owners, []
    read_bundle = owners.bundle

    async def bundle(dossier_id):  # the dossier is touched between the copy and the verification
        reads.append(dossier_id)
        if len(reads) == 2:
            await world.activity.touch(dossier_id, utcnow(), "REFUSEE_MOE", "D-1-p0", FOURNISSEUR)
        return await read_bundle(dossier_id)

    owners.bundle = bundle
    report = await world.ctx.mover.sweep(AS_OF)

    assert report.outcomes == {"aborted": 1} and world.announced.events == []
    assert world.phase("D-1") == "active" and "move" not in world.activity.records["D-1"]
    assert world.activity.records["D-1"]["last_abort"]["reason"] == "activity on the dossier during its move"
    assert world.store.dossiers == {} and world.store.files == {}
    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {}  # no longer stale


async def test_a_dossier_changed_since_its_copy_is_not_announced(world):
    await world.stale_dossier("D-1")
    owners = world.owners
    read_bundle = owners.bundle

    async def bundle(dossier_id):
        found = await read_bundle(dossier_id)
        owners.change(dossier_id)  # changed right after each read: the verification sees another fingerprint
        return found

    owners.bundle = bundle
    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"aborted": 1}
    assert "changed since it was copied" in world.activity.records["D-1"]["last_abort"]["reason"]
    assert world.announced.events == [] and world.store.dossiers == {}


async def test_a_document_that_is_not_what_its_owner_recorded_stops_the_move(world):
    bundle = await world.stale_dossier("D-1")
    world.owners.corrupt(bundle["documents"][1]["file_id"])

    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"failed": 1}
    assert world.move_of("D-1")["step"] == "claimed" and world.announced.events == []


async def test_a_dossier_its_owner_does_not_hold_is_absent(world):
    await world.stale_dossier("D-1")
    world.owners.remove("D-1")  # 404: never held, or removed for another reason

    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"absent": 1}
    assert world.phase("D-1") == "absent" and world.store.dossiers == {}


# ---- a crash after each step: the next sweep resumes the move, and what is done is not done twice ----------


async def test_a_crash_during_the_copy_is_resumed_and_copies_the_same(world):
    bundle = await world.stale_dossier("D-1")
    owners = world.owners
    read_document = owners.document
    failures = [bundle["documents"][1]["file_id"]]

    async def document(file_id):  # the worker dies after storing the first file
        if file_id in failures:
            failures.remove(file_id)
            raise ConnectionError("killed")
        return await read_document(file_id)

    owners.document = document
    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"failed": 1}
    assert world.move_of("D-1")["step"] == "claimed" and len(world.store.files) == 1
    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {}  # its lease still holds: left alone

    world.activity.expire_leases()
    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"announced": 1}
    assert len(world.store.files) == 2 and len(world.announced.events) == 1
    assert world.store.dossiers["D-1"]["counts"]["documents"] == 2


async def test_each_step_run_again_changes_nothing(world):
    await world.stale_dossier("D-1")
    mover = world.ctx.mover
    move = await world.activity.claim("D-1", AS_OF, "move-1", utcnow(), utcnow())

    fingerprint = await mover._copy("D-1", move["id"])
    copied = without_times(state(world))
    assert await mover._copy("D-1", move["id"]) == fingerprint  # a worker died before recording "copied"
    assert without_times(state(world)) == copied

    assert await mover._verify("D-1", move["id"], fingerprint) == "verified"
    verified = without_times(state(world))
    assert await mover._verify("D-1", move["id"], fingerprint) == "verified"
    assert without_times(state(world)) == verified

    assert await mover._announce("D-1", move["id"]) == "announced"
    announced = without_times(state(world))
    assert await mover._announce("D-1", move["id"]) == "announced"  # announcing again: the same event
    assert without_times(state(world)) == announced
    first, again = world.announced.events
    assert first.id == again.id and first.data == again.data


async def test_a_crash_after_verifying_is_resumed_at_the_announcement(world):
    await world.stale_dossier("D-1")
    world.announced.failing = 1  # the broker away (or the worker killed) when it announces

    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"failed": 1}
    assert world.move_of("D-1")["step"] == "verified" and world.announced.events == []
    reads, writes = world.owners.reads, world.store.writes

    world.activity.expire_leases()
    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"announced": 1}
    assert (world.owners.reads, world.store.writes) == (reads, writes)  # neither copied nor verified again
    assert len(world.announced.events) == 1


async def test_an_announcement_left_unanswered_is_made_again_with_the_same_id(world):
    await world.stale_dossier("D-1")
    await world.ctx.mover.sweep(AS_OF)
    world.activity.expire_leases()  # the owner's answer did not come within ARCHIVE_ANNOUNCE_WAIT_SECONDS

    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"announced": 1}
    first, again = world.announced.events
    assert first.id == again.id and world.store.writes == 3  # staged once, two files once


async def test_a_move_whose_dossier_its_owner_already_removed_for_it_is_announced_again(world):
    await world.stale_dossier("D-1")
    world.announced.failing = 1
    await world.ctx.mover.sweep(AS_OF)
    world.owners.remove("D-1", world.move_of("D-1")["id"])  # 410 for this very move

    world.activity.expire_leases()
    assert (await world.ctx.mover.sweep(AS_OF)).outcomes == {"announced": 1}
    await answer(world, removed("D-1", world.move_of("D-1")["id"]))
    assert world.phase("D-1") == "archived"
