"""Moving dossiers untouched for two years from the active store to the archive (docs/architecture.md §8).

One move of one dossier, each step recorded in its activity record before the next starts:

1. ``claimed``: the dossier is active and its last activity is before the cutoff; the move holds a lease.
2. ``copied``: its records (dossier, pièces with their histories, notification records) are staged in
   the archive's store and every document and attachment stored under the owner's file id, its bytes
   checked against the SHA-256 the owner recorded at deposit.
3. ``verified``: the owners serve the dossier again; it must not have changed (same fingerprint), and
   what the archive's store gives back must be it: same records field for field, same counts, every
   document's bytes hashed again.
4. ``announced``: no event reached the dossier since the claim; ``DossierArchived`` is published (its id
   derives from the move's, so announcing again is the same event).

The owner then removes the dossier and answers (``archive.handlers.outcome``): the copy is published to
searches, or dropped if the dossier changed. Every step is idempotent: a worker that dies anywhere leaves
a move whose lease expires, and the next sweep resumes it at its recorded step. Activity during the move
aborts it before the announcement; after, the owner's fingerprint check keeps the dossier active.
"""

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge

from archive.adapters.activity import ABSENT, ACTIVE
from archive.adapters.sources import DossierUnknown
from archive.domain.staleness import cutoff
from archive.domain.verification import verify
from archive.ports import ActivityStore, CopyStore, Owners, Publish
from archive.settings import ArchiveSettings
from contracts import ArchivedCounts, DossierArchived, make_event, utcnow

log = logging.getLogger(__name__)

SOURCE = "/travaux/archive"
ANNOUNCEMENT_IDS = uuid.UUID("7c1e4b8a-2d3f-4e5a-9b6c-0d1e2f3a4b5c")  # announcement id = f(move id)

MOVES = Counter("archive_moves_total", "Moves that ended a step of a sweep", ["outcome"])
BYTES = Counter("archive_copied_bytes_total", "Document bytes copied into the archive")
SWEEP_RATE = Gauge("archive_sweep_dossiers_per_second", "Announced moves per second in the last sweep")
SWEEP_BACKLOG = Gauge("archive_sweep_batches", "Batches of dossiers the current or last sweep went through")


class CopyRejected(Exception):
    """The owner served bytes that are not the document it recorded (size or SHA-256)."""


@dataclass
class SweepReport:
    as_of: datetime
    cutoff: datetime
    outcomes: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    seconds: float = 0.0

    @property
    def announced(self) -> int:
        return self.outcomes.get("announced", 0)

    @property
    def rate(self) -> float:
        return self.announced / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cutoff": self.cutoff.isoformat(),
            "batches": self.batches,
            "outcomes": dict(sorted(self.outcomes.items())),
            "seconds": round(self.seconds, 3),
            "dossiers_per_second": round(self.rate, 2),
        }


class Mover:
    def __init__(
        self,
        settings: ArchiveSettings,
        activity: ActivityStore,
        store: CopyStore,
        sources: Owners,
        publish: Publish,
    ):
        self.settings = settings
        self.activity = activity
        self.store = store
        self.sources = sources
        self.publish = publish
        self.lease = timedelta(seconds=settings.archive_lease_seconds)
        self.announce_wait = timedelta(seconds=settings.archive_announce_wait_seconds)

    def location(self, dossier_id: str) -> str:
        return f"{self.settings.archive_public_url.rstrip('/')}/v1/archives/dossiers/{dossier_id}"

    # ---- the sweep --------------------------------------------------------------------------------

    async def sweep(self, as_of: datetime, limit: int | None = None) -> SweepReport:
        """Move every dossier stale at ``as_of`` (at most ``limit``), after resuming abandoned moves.

        One pass: the moves a dead worker left, then the stale dossiers read from the index oldest
        first, ``ARCHIVE_BATCH_SIZE`` ids per read, moved ``ARCHIVE_CONCURRENCY`` at a time. A dossier
        released during the pass (touched during its move) waits for the next sweep.
        """
        report = SweepReport(as_of, cutoff(as_of, self.settings.archive_after_years))
        began = time.monotonic()
        work = self._work(report.cutoff, limit)
        taking = asyncio.Lock()

        async def worker() -> None:
            while True:
                async with taking:
                    item = await anext(work, None)
                if item is None:
                    return
                dossier_id, resumed = item
                outcome = await (self._resume(dossier_id) if resumed else self._start(dossier_id, report.cutoff))
                report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
                MOVES.labels(outcome).inc()
                report.seconds = time.monotonic() - began
                if sum(report.outcomes.values()) % self.settings.archive_batch_size == 0:
                    self._progress(report)

        await asyncio.gather(*(worker() for _ in range(self.settings.archive_concurrency)))
        report.seconds = time.monotonic() - began
        if report.outcomes:
            self._progress(report)
        SWEEP_RATE.set(report.rate)
        return report

    async def _work(self, before: datetime, limit: int | None) -> AsyncIterator[tuple[str, bool]]:
        budget = limit if limit is not None else float("inf")
        for dossier_id in await self.activity.abandoned(utcnow(), int(min(budget, 10_000))):
            budget -= 1
            yield dossier_id, True
        if budget <= 0:
            return
        async for dossier_id in self.activity.stale(
            before, None if limit is None else int(budget), self.settings.archive_batch_size
        ):
            yield dossier_id, False

    def _progress(self, report: SweepReport) -> None:
        report.batches = -(-sum(report.outcomes.values()) // self.settings.archive_batch_size)
        SWEEP_BACKLOG.set(report.batches)
        log.info(
            "archive sweep as of %s: %d dossiers in %.1f s: %s; %.1f dossiers/s",
            report.as_of.date(),
            sum(report.outcomes.values()),
            report.seconds,
            dict(sorted(report.outcomes.items())),
            report.rate,
        )

    async def _start(self, dossier_id: str, before: datetime) -> str:
        now = utcnow()
        move = await self.activity.claim(dossier_id, before, uuid.uuid4().hex, now, now + self.lease)
        return "skipped" if move is None else await self._advance(dossier_id, move)

    async def _resume(self, dossier_id: str) -> str:
        now = utcnow()
        move = await self.activity.take_over(dossier_id, now, now + self.lease)
        return "skipped" if move is None else await self._advance(dossier_id, move)

    # ---- one move ---------------------------------------------------------------------------------

    async def _advance(self, dossier_id: str, move: dict[str, Any]) -> str:
        move_id, step, fingerprint = move["id"], move["step"], move.get("fingerprint")
        try:
            if step == "claimed":
                fingerprint = await self._copy(dossier_id, move_id)
                step = await self._after("copied", dossier_id, move_id)
            if step == "copied":
                outcome = await self._verify(dossier_id, move_id, fingerprint)
                if outcome != "verified":
                    return outcome
                step = await self._after("verified", dossier_id, move_id)
            if step in ("verified", "announced"):
                return await self._announce(dossier_id, move_id)
            return "skipped"
        except DossierUnknown as gone:
            if gone.gone_move == move_id:
                return await self._announce(dossier_id, move_id)  # the owner already removed it for this move
            await self.store.drop(dossier_id, move_id)
            await self.activity.end_move(dossier_id, move_id, ABSENT, absent_since=utcnow())
            log.warning("dossier %s: its owner does not hold it (%s); not moved", dossier_id, gone.gone_move)
            return "absent"
        except Exception:  # noqa: BLE001 - one dossier's failure never stops the sweep; its lease expires
            log.exception(
                "dossier %s, move %s: step after %s failed; resumed when its lease expires", dossier_id, move_id, step
            )
            return "failed"

    async def _after(self, step: str, dossier_id: str, move_id: str) -> str:
        if self.settings.archive_pause_after == step:  # crash tests only
            log.warning(
                "dossier %s, move %s: %s; pausing %.0f s",
                dossier_id,
                move_id,
                step,
                self.settings.archive_pause_seconds,
            )
            await asyncio.sleep(self.settings.archive_pause_seconds)
        return step

    async def _copy(self, dossier_id: str, move_id: str) -> str:
        """Stage the dossier and store its files; returns the owner's fingerprint of what was copied."""
        bundle = await self.sources.bundle(dossier_id)
        notifications = await self.sources.notifications(dossier_id)
        now = utcnow()
        await self.store.stage(bundle, notifications, move_id, self.location(dossier_id), now)
        for document in bundle["documents"]:
            content = await self.sources.document(document["file_id"])
            if len(content) != document["size"] or hashlib.sha256(content).hexdigest() != document["sha256"]:
                raise CopyRejected(
                    f"document {document['file_id']} of dossier {dossier_id} is not what its owner recorded"
                )
            await self.store.put_file(dossier_id, document, content, now)
            BYTES.inc(len(content))
        await self.activity.step(
            dossier_id, move_id, "copied", utcnow() + self.lease, fingerprint=bundle["fingerprint"]
        )
        return bundle["fingerprint"]

    async def _verify(self, dossier_id: str, move_id: str, fingerprint: str | None) -> str:
        bundle = await self.sources.bundle(dossier_id)
        if bundle["fingerprint"] != fingerprint:
            changed = f"the dossier changed since it was copied (fingerprint {fingerprint} → {bundle['fingerprint']})"
            return await self._abort(dossier_id, move_id, changed)
        if not await self.activity.quiet_since_claim(dossier_id, move_id):
            return await self._abort(dossier_id, move_id, "activity on the dossier during its move")
        notifications = await self.sources.notifications(dossier_id)
        checked = verify(bundle, notifications, await self.store.read_back(dossier_id))
        if not checked.ok:
            log.error(
                "dossier %s, move %s: copy differs, copying again: %s",
                dossier_id,
                move_id,
                "; ".join(checked.problems[:10]),
            )
            await self.activity.step(dossier_id, move_id, "claimed", utcnow() + self.lease)
            return "failed"
        counts = {
            "pieces": checked.pieces,
            "documents": checked.documents,
            "octets": checked.octets,
            "notifications": checked.notifications,
        }
        await self.store.record_counts(dossier_id, counts)
        await self.activity.step(dossier_id, move_id, "verified", utcnow() + self.lease, counts=counts)
        return "verified"

    async def _announce(self, dossier_id: str, move_id: str) -> str:
        if not await self.activity.quiet_since_claim(dossier_id, move_id):
            if (await self.activity.get(dossier_id) or {}).get("move", {}).get("step") != "announced":
                return await self._abort(dossier_id, move_id, "activity on the dossier during its move")
        staged = await self.store.copy_of(dossier_id, move_id)
        if staged is None:  # its copy was dropped (an abort cut short by a crash): start over later
            return await self._abort(dossier_id, move_id, "no staged copy left to announce")
        piece_ids = await self.store.piece_ids(dossier_id)
        announcement = DossierArchived(
            dossier_id=dossier_id,
            move_id=move_id,
            fingerprint=staged["fingerprint"],
            piece_ids=piece_ids,
            notification_ids=[str(n["_id"]) for n in staged["notifications"]],
            counts=ArchivedCounts(**staged["counts"]),
            location=staged["location"],
            archived_at=staged["staged_at"],
        )
        event_id = uuid.uuid5(ANNOUNCEMENT_IDS, move_id)
        await self.publish(make_event(announcement, source=SOURCE, subject=dossier_id, event_id=event_id))
        await self.activity.step(dossier_id, move_id, "announced", utcnow() + self.announce_wait, announced_at=utcnow())
        await self._after("announced", dossier_id, move_id)
        return "announced"

    async def _abort(self, dossier_id: str, move_id: str, reason: str) -> str:
        await self.store.drop(dossier_id, move_id)
        await self.activity.end_move(dossier_id, move_id, ACTIVE, last_abort={"at": utcnow(), "reason": reason})
        log.info("dossier %s, move %s: aborted (%s)", dossier_id, move_id, reason)
        return "aborted"
