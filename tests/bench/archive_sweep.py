"""Benchmark of the archive sweep against the running system (`make up` first). Prints figures; asserts nothing.

    .venv/bin/python tests/bench/archive_sweep.py [--candidates 10000] [--total 100000]
        [--concurrency C] [--batch B] [--sweep-limit K] [--keep] [--json archive-bench.json]
    .venv/bin/python tests/bench/archive_sweep.py --cleanup-run RUN   # what an interrupted run left

1. Seeds, directly in MongoDB (a benchmark fixture: no deposit, no routing, no e-mail goes through the
   services, so that 10,000 stale dossiers take minutes, not hours), under a fresh run id:
   - db ``deposit``: N dossiers shaped exactly as the deposit service stores them (one ``dossiers`` record,
     one A4 ``pieces`` record deposited then made available to the MOE, so a ``historique`` of 2 entries,
     with its ``document`` metadata; one GridFS file of ~20 KB random bytes whose ``size``/``sha256`` the
     metadata records; one attachment more on every 10th dossier), a fresh fournisseur SIRET, pièce
     numbers ``BENCH-<run>-<i>``;
   - db ``notification``: 2 ledger records per dossier in ``deliveries`` (sent e-mails);
   - db ``archive``, ``dossier_activity``: those N with their last activity 3 years ago, and M−N other
     dossiers active within the last year (phase ``active``, seq 2), tagged ``bench_run``.
2. Times the sweep's candidate query alone (``ActivityLog.stale``) and prints the server's ``explain``:
   the keys and documents it examines grow with the candidates, not with the store.
3. Runs one sweep in this process (``archive.bootstrap.open_context``, the mover's own code, with
   ``--concurrency``/``--batch`` over the settings): dossiers/s, outcomes, CPU per dossier of this process
   and of the services (from /proc), and the duration of one dossier's move and of its steps.
4. Waits until the N dossiers are ``archived`` (deposit removed them and answered; the archive API
   process consumed the answer): the end-to-end rate and the lag after the sweep.
5. Removes what the run seeded and did not archive (``--keep`` not to): its M−N other activity records and
   its candidates left ``active`` (``--sweep-limit K`` sweeps only K of them), with their deposit and
   notification records, so that they never are the oldest candidates of a later run.

The candidates' last activities lie in a window of N milliseconds that is this run's own and older than
any stale record already in the log, whatever its phase (an earlier run's, archived or kept with ``--keep``):
the sweep of N takes this run's N, and this run's queries never count an earlier run's dossiers. The archive-mover process
(``make up``) sweeps on its own timer (hourly): a tick during the bench would compete for the same dossiers.
"""

import argparse
import asyncio
import hashlib
import importlib.util
import json
import logging
import os
import random
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from pymongo import ASCENDING, AsyncMongoClient

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from archive.adapters.activity import ACTIVE, ARCHIVED, MOVING  # noqa: E402
from archive.bootstrap import open_context, stop  # noqa: E402
from archive.domain.staleness import cutoff, years_before  # noqa: E402
from archive.settings import ArchiveSettings  # noqa: E402
from contracts import Cadre, PieceSnapshot, Role, Statut, utcnow  # noqa: E402
from deposit.adapters.documents import CHUNK_SIZE  # noqa: E402
from deposit.adapters.pieces import to_mongo  # noqa: E402
from deposit.domain.piece import HistoryEntry, change_status, initial_history  # noqa: E402
from tests.bench.run import cpu_seconds, percentiles  # noqa: E402
from tests.support.data import siret  # noqa: E402

SERVICES = ("deposit", "notification", "archive", "archive-mover", "routing", "mongodb", "kafka")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PDF_HEAD = b"%PDF-1.4\n%bench\n"


def _stack_module():
    """deploy/local/stack.py (stdlib only), for the services' environment as `make up` gives it."""
    spec = importlib.util.spec_from_file_location("local_stack", REPO / "deploy/local/stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def process_tree_cpu(pid: int) -> float:
    """CPU of the process and its direct children (a service may run a worker under its leader)."""
    total = cpu_seconds(pid)
    for child in Path("/proc").iterdir():
        if not child.name.isdigit():
            continue
        try:
            fields = (child / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, ValueError):
            continue
    return total


def service_pids(run_dir: Path) -> dict[str, int]:
    pids = {}
    for name in SERVICES:
        path = run_dir / "pids" / f"{name}.pid"
        if path.exists():
            pid = int(path.read_text())
            if Path(f"/proc/{pid}").exists():
                pids[name] = pid
    return pids


def cpu_now(pids: dict[str, int]) -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {"bench (mover)": usage.ru_utime + usage.ru_stime}
    for name, pid in pids.items():
        try:
            figures[name] = process_tree_cpu(pid)
        except OSError:
            pass
    return figures


def ms(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def batched(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


# ---- the fixture ------------------------------------------------------------------------------------


class Fixture:
    """One run's dossiers: ids, parties and instants; records are built a batch at a time."""

    def __init__(
        self, run: str, candidates: int, total: int, now: datetime, document_bytes: int, older_than: datetime | None
    ):
        self.run, self.n, self.m, self.now = run, candidates, total, now
        self.document_bytes = document_bytes
        self.parties = {"fournisseur": siret(), "moe": siret(), "moa": siret()}
        self.agent = f"agent-{run}@bench.example.fr"
        self.dossier_ids = [str(uuid.uuid4()) for _ in range(candidates)]
        # The candidates' last activities: a window of N milliseconds ending 3 years ago, this run's own, and
        # older than any stale dossier already there, so that a sweep of N takes this run's N (oldest first).
        self.stale_top = ms(min(years_before(now, 3), older_than or now) - timedelta(seconds=1))
        self.stale_bottom = self.stale_top - timedelta(milliseconds=candidates - 1)

    def last_activity(self, i: int) -> datetime:
        return self.stale_top - timedelta(milliseconds=i)

    def window(self) -> dict[str, Any]:
        return {"$gte": self.stale_bottom, "$lte": self.stale_top}

    def _file(self, piece_id: str, filename: str, at: datetime) -> tuple[dict, dict, dict]:
        """One stored file as ``DocumentStore.put`` writes it: (chunk, files record, the pièce's metadata)."""
        content = PDF_HEAD + os.urandom(self.document_bytes - len(PDF_HEAD))
        assert len(content) <= CHUNK_SIZE
        file_id, sha256 = ObjectId(), hashlib.sha256(content).hexdigest()
        chunk = {"files_id": file_id, "n": 0, "data": content}
        files = {
            "_id": file_id,
            "length": len(content),
            "chunkSize": CHUNK_SIZE,
            "uploadDate": at,
            "filename": filename,
            "metadata": {"piece_id": piece_id, "content_type": "application/pdf", "sha256": sha256},
        }
        meta = {
            "file_id": file_id,
            "filename": filename,
            "content_type": "application/pdf",
            "size": len(content),
            "sha256": sha256,
        }
        return chunk, files, meta

    def deposit_records(self, indexes: range) -> dict[str, list[dict]]:
        """The deposit service's records of these dossiers, as ``deposit_piece`` then ``piece_routed`` leave them."""
        out: dict[str, list[dict]] = {"chunks": [], "files": [], "pieces": [], "dossiers": [], "deliveries": []}
        p = self.parties
        for i in indexes:
            dossier_id, piece_id = self.dossier_ids[i], str(uuid.uuid4())
            made_available = self.last_activity(i)
            deposited = made_available - timedelta(minutes=7)
            snapshot = PieceSnapshot(
                piece_id=piece_id,
                dossier_id=dossier_id,
                numero=f"BENCH-{self.run}-{i}",
                cadre=Cadre.A4,
                statut=Statut.DEPOSEE,
                date_piece=(deposited - timedelta(days=1)).date(),
                devise="EUR",
                montant_ht=Decimal("1000.00"),
                montant_tva=Decimal("200.00"),
                montant_ttc=Decimal("1200.00"),
                montant_a_payer=Decimal("1200.00"),
                fournisseur=p["fournisseur"],
                moe=p["moe"],
                moa=p["moa"],
                emetteur=p["fournisseur"],
                numero_marche=f"MARCHE-BENCH-{self.run}",
                deposee_le=deposited,
            )
            files = [self._file(piece_id, f"decompte-{i}.pdf", deposited)]
            if i % 10 == 0:
                files.append(self._file(piece_id, f"annexe-{i}.pdf", deposited))
            document = dict(files[0][2], attachments=[meta for _, _, meta in files[1:]])
            out["chunks"] += [chunk for chunk, _, _ in files]
            out["files"] += [record for _, record, _ in files]
            history: list[HistoryEntry] = initial_history(deposited, self.agent)
            change = change_status(snapshot, Statut.MISE_A_DISPOSITION_MOE, made_available, action="acheminer")
            history.append(change.entry)
            expected = change.expected_action
            record = {k: to_mongo(v) for k, v in snapshot.model_dump().items()}
            record["_id"] = record.pop("piece_id")
            parties = sorted(p.values())
            record.update(
                document=document,
                historique=[{k: to_mongo(v) for k, v in asdict(e).items() if v is not None} for e in history],
                parties=parties,
                attente=None,
                echeances=[],
                updated_at=deposited,
            )
            # what PieceStore.apply sets when routing makes it available to the MOE
            record.update(
                statut=Statut.MISE_A_DISPOSITION_MOE.value,
                updated_at=made_available,
                attente=None
                if expected is None
                else {"role": expected.role.value, "siret": expected.siret, "action": expected.action},
                motif=None,
                commentaire=None,
            )
            out["pieces"].append(record)
            out["dossiers"].append(
                {
                    "_id": dossier_id,
                    "cadre_initial": Cadre.A4.value,
                    "fournisseur": p["fournisseur"],
                    "parties": parties,
                    "piece_ids": [piece_id],
                    "ouvert_le": deposited,
                    "derniere_activite": made_available,
                }
            )
            out["deliveries"] += self._deliveries(dossier_id, piece_id, made_available)
        return out

    def _deliveries(self, dossier_id: str, piece_id: str, at: datetime) -> list[dict]:
        """The notification ledger after the MISE_A_DISPOSITION_MOE event: the MOE asked to act, the
        fournisseur informed; both sent (``DeliveryLog.queue`` then ``mark_sent``)."""
        event_id = str(uuid.uuid4())
        records = []
        for role, template in ((Role.MOE, "action_attendue"), (Role.FOURNISSEUR, "information")):
            number = self.parties[role.value.lower()]
            email = f"{role.value.lower()}-{self.run}@bench.example.fr"
            records.append(
                {
                    "_id": f"{event_id}:{email}",
                    "event_id": event_id,
                    "email": email,
                    "attempts": 1,
                    "created_at": at,
                    "dossier_id": dossier_id,
                    "piece_id": piece_id,
                    "statut": Statut.MISE_A_DISPOSITION_MOE.value,
                    "template": template,
                    "role": role.value,
                    "siret": number,
                    "subject": f"[bench {self.run}] Décompte mensuel mis à disposition",
                    "state": "sent",
                    "sent_at": at + timedelta(seconds=2),
                    "error": None,
                }
            )
        return records

    def activity_records(self) -> Iterator[dict]:
        """M activity records, the N candidates spread evenly among M−N recently active dossiers."""
        rng = random.Random(self.run)
        year = timedelta(days=364).total_seconds()
        for k in range(self.m):
            i, j = k * self.n // self.m, (k + 1) * self.n // self.m
            if i != j:  # the k-th record is candidate i
                last = self.last_activity(i)
                dossier_id = self.dossier_ids[i]
            else:
                last = ms(self.now - timedelta(seconds=rng.uniform(86400, year)))
                dossier_id = str(uuid.uuid4())
            yield {
                "_id": dossier_id,
                "first_seen_at": last - timedelta(minutes=7),
                "last_activity_at": last,
                "seq": 2,
                "statuts_vus": [Statut.DEPOSEE.value, Statut.MISE_A_DISPOSITION_MOE.value],
                "phase": ACTIVE,
                "bench_run": self.run,
            }


async def seed(client: AsyncMongoClient, fixture: Fixture, batch: int) -> dict[str, float]:
    deposit, notification, archive = client["deposit"], client["notification"], client["archive"]
    seconds: dict[str, float] = {}
    began = time.monotonic()
    for n, indexes in enumerate(batched(fixture.n, batch)):
        records = fixture.deposit_records(indexes)
        t0 = time.monotonic()
        await deposit["documents.chunks"].insert_many(records["chunks"], ordered=False)
        await deposit["documents.files"].insert_many(records["files"], ordered=False)
        await deposit["pieces"].insert_many(records["pieces"], ordered=False)
        await deposit["dossiers"].insert_many(records["dossiers"], ordered=False)
        t1 = time.monotonic()
        await notification["deliveries"].insert_many(records["deliveries"], ordered=False)
        t2 = time.monotonic()
        seconds["deposit"] = seconds.get("deposit", 0.0) + t1 - t0
        seconds["notification"] = seconds.get("notification", 0.0) + t2 - t1
        if n % 5 == 4:
            print(f"  seeded {indexes.stop}/{fixture.n} dossiers ({time.monotonic() - began:.0f} s)", flush=True)
    records, t0 = [], time.monotonic()
    for record in fixture.activity_records():
        records.append(record)
        if len(records) == batch:
            await archive["dossier_activity"].insert_many(records, ordered=False)
            records = []
    if records:
        await archive["dossier_activity"].insert_many(records, ordered=False)
    seconds["archive_activity"] = time.monotonic() - t0
    seconds["total"] = time.monotonic() - began
    return seconds


# ---- the measures -----------------------------------------------------------------------------------


def plan_stages(plan: dict[str, Any]) -> list[str]:
    stages = []
    while plan:
        stage = plan.get("stage", "?")
        if plan.get("indexName"):
            stage += f"({plan['indexName']})"
        stages.append(stage)
        plan = plan.get("inputStage") or (plan.get("inputStages") or [None])[0]
    return stages


async def candidate_query(ctx, before: datetime, limit: int, repeat: int) -> dict[str, Any]:
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = [d async for d in ctx.activity.stale(before, limit, limit)]
        timings.append(time.perf_counter() - t0)
    result: dict[str, Any] = {"limit": limit, "returned": len(found), "seconds": percentiles(timings)}
    cursor = (
        ctx.activity.collection.find({"phase": ACTIVE, "last_activity_at": {"$lt": before}}, {"_id": 1})
        .sort([("phase", ASCENDING), ("last_activity_at", ASCENDING)])
        .limit(limit)
    )
    try:
        explained = await cursor.explain()
    except Exception as exc:  # noqa: BLE001 - explain is optional on a MongoDB-protocol server
        result["explain"] = f"not supported: {exc!r}"[:300]
        return result
    stats = explained.get("executionStats", {})
    result["explain"] = {
        "plan": plan_stages(explained.get("queryPlanner", {}).get("winningPlan", {})),
        "n_returned": stats.get("nReturned"),
        "keys_examined": stats.get("totalKeysExamined"),
        "docs_examined": stats.get("totalDocsExamined"),
        "server_ms": stats.get("executionTimeMillis"),
    }
    return result


def instrument(mover) -> dict[str, Any]:
    """Wrap the mover's steps to time them (a bench may): durations per step, and when each announced.
    ``claim`` is the activity record's claim (before the move), ``move`` all the rest of one dossier's move."""
    timings: dict[str, Any] = {"claim": [], "move": [], "copy": [], "verify": [], "announce": [], "announced_at": {}}

    def timed(name: str, owner: Any = mover):
        original = getattr(owner, {"move": "_advance", "claim": "claim"}.get(name, f"_{name}"))

        async def wrapper(dossier_id: str, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                outcome = await original(dossier_id, *args, **kwargs)
            finally:
                timings[name].append(time.perf_counter() - t0)
            if name == "announce" and outcome == "announced":
                timings["announced_at"][dossier_id] = time.time()
            return outcome

        return wrapper

    mover._advance = timed("move")
    mover.activity.claim = timed("claim", mover.activity)
    for step in ("copy", "verify", "announce"):
        setattr(mover, f"_{step}", timed(step))
    return timings


async def progress(timings: dict[str, Any], total: int, began: float, done: asyncio.Event) -> None:
    while not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), 15)
        except TimeoutError:
            moved = len(timings["move"])
            elapsed = time.monotonic() - began
            print(f"  sweep: {moved}/{total} moves ended in {elapsed:.0f} s ({moved / elapsed:.1f}/s)", flush=True)


async def phases_in_window(collection, fixture: Fixture) -> dict[str, int]:
    """Phases of this run's candidates, each counted on the (phase, last_activity_at) index."""
    counts = {}
    for phase in (ACTIVE, MOVING, ARCHIVED, "absent"):
        counts[phase] = await collection.count_documents({"phase": phase, "last_activity_at": fixture.window()})
    return counts


async def cleanup(client: AsyncMongoClient, database: str, run: str, as_of: datetime, batch: int) -> dict[str, int]:
    """Remove what run ``run`` seeded and did not archive: its M−N other dossiers' activity records, and its
    candidates still ``active`` (not swept, or interrupted before their claim) with their deposit records,
    files and ledger records, so that they never become the oldest candidates of a later run. What was
    archived stays (the archive's content); moves left half-way (``moving``) are left to their lease."""
    activity = client[database]["dossier_activity"]
    deposit, deliveries = client["deposit"], client["notification"]["deliveries"]
    due = cutoff(as_of, 2)
    stale = [
        d["_id"]
        async for d in activity.find({"phase": ACTIVE, "last_activity_at": {"$lt": due}, "bench_run": run}, {"_id": 1})
    ]
    removed = {"stale_dossiers": len(stale), "files": 0}
    for start in range(0, len(stale), batch):
        ids = stale[start : start + batch]
        file_ids = []
        async for piece in deposit["pieces"].find({"dossier_id": {"$in": ids}}, {"document": 1}):
            document = piece["document"]
            file_ids += [document["file_id"]] + [a["file_id"] for a in document.get("attachments", [])]
        await deposit["documents.chunks"].delete_many({"files_id": {"$in": file_ids}})
        await deposit["documents.files"].delete_many({"_id": {"$in": file_ids}})
        await deposit["pieces"].delete_many({"dossier_id": {"$in": ids}})
        await deposit["dossiers"].delete_many({"_id": {"$in": ids}})
        await deliveries.delete_many({"dossier_id": {"$in": ids}})
        await activity.delete_many({"_id": {"$in": ids}})
        removed["files"] += len(file_ids)
    done = await activity.delete_many({"phase": ACTIVE, "bench_run": run, "last_activity_at": {"$gte": due}})
    removed["other_activity_records"] = done.deleted_count
    return removed


async def main() -> int:
    stack = _stack_module()
    env = stack.service_environment()
    parser = argparse.ArgumentParser(description="Archive sweep benchmark (make up first)")
    parser.add_argument("--candidates", "-n", type=int, default=10_000, help="stale dossiers to move (N)")
    parser.add_argument("--total", "-m", type=int, default=100_000, help="dossiers in the activity log (M)")
    parser.add_argument("--concurrency", type=int, default=None, help="ARCHIVE_CONCURRENCY for the sweep")
    parser.add_argument("--batch", type=int, default=None, help="ARCHIVE_BATCH_SIZE for the sweep")
    parser.add_argument(
        "--sweep-limit",
        type=int,
        default=None,
        help="sweep only this many of the N candidates (default: all N); the rest is cleaned up",
    )
    parser.add_argument("--keep", action="store_true", help="keep what the run did not archive (no cleanup)")
    parser.add_argument("--cleanup-run", metavar="RUN", help="only remove what run RUN left (an interrupted run)")
    parser.add_argument("--seed-batch", type=int, default=1000, help="records per insert_many while seeding")
    parser.add_argument("--document-kib", type=float, default=20.0, help="size of each seeded file")
    parser.add_argument("--run-dir", type=Path, default=Path(os.environ.get("RUN_DIR", REPO / ".run")))
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the archived phase")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--verbose", action="store_true", help="the mover's INFO logs (one line per batch)")
    args = parser.parse_args()
    if not 0 < args.candidates <= args.total:
        parser.error("need 0 < --candidates <= --total")
    limit = min(args.sweep_limit or args.candidates, args.candidates)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("aiokafka", "pymongo", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    overrides: dict[str, Any] = {
        name: env[name.upper()] for name in ArchiveSettings.model_fields if name.upper() in env
    }
    if args.concurrency:
        overrides["archive_concurrency"] = args.concurrency
    if args.batch:
        overrides["archive_batch_size"] = args.batch
    settings = ArchiveSettings(**overrides)
    if args.cleanup_run:
        client = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
        try:
            removed = await cleanup(client, settings.archive_database, args.cleanup_run, utcnow(), args.seed_batch)
        finally:
            await client.close()
        print(f"run {args.cleanup_run}: removed {removed}")
        return 0
    for name, url in (
        ("deposit", settings.deposit_internal_url),
        ("notification", settings.notification_internal_url),
        ("archive", settings.archive_public_url),
    ):
        for _ in range(300):  # a consumer group rebalancing makes a service unready for a few seconds
            try:
                ready = httpx.get(f"{url}/health/ready", timeout=5)
            except httpx.HTTPError:
                print(f"the {name} service does not answer at {url}: run `make up` first", file=sys.stderr)
                return 1
            if ready.status_code == 200:
                break
            await asyncio.sleep(0.2)
        if ready.status_code != 200:
            print(f"the {name} service is not ready: {ready.text}", file=sys.stderr)
            return 1

    run = uuid.uuid4().hex[:8]
    now = utcnow()
    client = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    activity = client[settings.archive_database]["dossier_activity"]
    # below every stale record of any phase (each read on the index): no earlier run's window overlaps
    older_than = None
    for phase in (ACTIVE, MOVING, ARCHIVED, "absent"):
        oldest = await activity.find_one(
            {"phase": phase, "last_activity_at": {"$lt": cutoff(now, settings.archive_after_years)}},
            {"last_activity_at": 1},
            sort=[("phase", ASCENDING), ("last_activity_at", ASCENDING)],
        )
        if oldest is not None and (older_than is None or oldest["last_activity_at"] < older_than):
            older_than = oldest["last_activity_at"]
    fixture = Fixture(run, args.candidates, args.total, now, int(args.document_kib * 1024), older_than)
    pids = service_pids(args.run_dir)
    figures: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "run": run,
        "candidates": args.candidates,
        "swept": limit,
        "total": args.total,
        "concurrency": settings.archive_concurrency,
        "batch": settings.archive_batch_size,
        "document_bytes": fixture.document_bytes,
    }

    # 1. the fixture
    print(
        f"run {run}: seeding {args.candidates} stale dossiers among {args.total} in MongoDB "
        f"({fixture.document_bytes} B files, an attachment on every 10th) ...",
        flush=True,
    )
    ctx = await open_context(settings, "archive-bench")  # first: its ensure_indexes runs before the seed
    try:
        before_seed = await activity.estimated_document_count()
        figures["seed_seconds"] = await seed(client, fixture, args.seed_batch)
        figures["activity_records_before"] = before_seed
        figures["activity_records_after"] = await activity.estimated_document_count()

        # 2. the candidate query
        due = cutoff(now, settings.archive_after_years)
        figures["other_candidates"] = (
            await activity.count_documents({"phase": ACTIVE, "last_activity_at": {"$lt": due}}) - args.candidates
        )
        figures["candidate_query"] = await candidate_query(ctx, due, settings.archive_batch_size, 5)
        # the whole pass: a sweep reads every candidate from this one cursor, a batch at a time
        figures["candidate_query_full"] = await candidate_query(ctx, due, args.candidates, 1)

        # 3. the sweep
        timings = instrument(ctx.mover)
        cpu_start = cpu_now(pids)
        began, wall_began = time.monotonic(), time.time()
        done = asyncio.Event()
        ticker = asyncio.create_task(progress(timings, limit, began, done))
        print(
            f"sweeping (concurrency {settings.archive_concurrency}, batches of {settings.archive_batch_size}) ...",
            flush=True,
        )
        try:
            report = await ctx.mover.sweep(utcnow(), limit=limit)
        finally:
            done.set()
            await ticker
        sweep_seconds = time.monotonic() - began
        cpu_sweep = cpu_now(pids)
        print(f"  sweep over in {sweep_seconds:.1f} s: {dict(sorted(report.outcomes.items()))}", flush=True)

        # 4. until the owners answered and the archive API process applied the answers
        print("waiting for the dossiers to be archived (deposit removes, the archive API applies) ...", flush=True)
        counts = await phases_in_window(activity, fixture)
        idle, last_print = 0, time.monotonic()
        while counts[ARCHIVED] < limit and time.monotonic() - began < args.timeout:
            idle = idle + 1 if counts[MOVING] == 0 else 0
            if idle >= 25:
                break  # nothing in flight any more: what is not archived will not be in this run
            await asyncio.sleep(0.2)
            counts = await phases_in_window(activity, fixture)
            if time.monotonic() - last_print > 15:
                print(f"  {counts} after {time.monotonic() - began:.0f} s", flush=True)
                last_print = time.monotonic()
        end_to_end = time.monotonic() - began
        cpu_end = cpu_now(pids)
        archived_at = {
            d["_id"]: d["archived_at"].timestamp()
            async for d in activity.find(
                {"phase": ARCHIVED, "last_activity_at": fixture.window()}, {"_id": 1, "archived_at": 1}
            )
        }
    finally:
        await stop(ctx)
        if not args.keep:  # also when the run failed: its candidates must not outlive it
            t0 = time.monotonic()
            figures["cleanup"] = await cleanup(client, settings.archive_database, run, now, args.seed_batch)
            figures["cleanup"]["seconds"] = time.monotonic() - t0
        await client.close()

    announced = report.announced
    last_archived = max(archived_at.values(), default=wall_began)
    to_archived = [
        archived_at[d] - at for d, at in timings["announced_at"].items() if d in archived_at
    ]  # announcement → the archive API process recorded the owner's answer
    figures["sweep"] = report.summary()
    figures["sweep"].update(
        wall_seconds=sweep_seconds,
        announced=announced,
        dossiers_per_second=announced / sweep_seconds if sweep_seconds else 0.0,
    )
    steps = ("claim", "move", "copy", "verify", "announce")
    figures["move_seconds"] = {step: percentiles(timings[step]) for step in steps}
    figures["phases_after"] = counts
    figures["end_to_end"] = {
        "archived": counts[ARCHIVED],
        "seconds": end_to_end,
        "last_archived_after_sweep_start_s": last_archived - wall_began,
        "lag_after_sweep_s": max(0.0, last_archived - wall_began - sweep_seconds),
        "dossiers_per_second": counts[ARCHIVED] / (last_archived - wall_began) if counts[ARCHIVED] else 0.0,
        "announced_to_archived_s": percentiles(to_archived),
    }
    moved = max(1, announced)
    figures["cpu_ms_per_dossier"] = {
        "during_sweep": {k: (cpu_sweep[k] - cpu_start[k]) * 1000 / moved for k in cpu_start if k in cpu_sweep},
        "sweep_to_archived": {k: (cpu_end[k] - cpu_start[k]) * 1000 / moved for k in cpu_start if k in cpu_end},
    }
    figures["cpu_seconds"] = {k: cpu_end[k] - cpu_start[k] for k in cpu_start if k in cpu_end}

    # ---- print
    def fmt(p: dict[str, float]) -> str:
        return "  ".join(f"{k} {v * 1000:7.0f} ms" for k, v in p.items() if k != "n") if p else "(none)"

    seeded = figures["seed_seconds"]
    query, full = figures["candidate_query"], figures["candidate_query_full"]
    e2e = figures["end_to_end"]
    print()
    print(
        f"seed                {seeded['total']:.1f} s  (deposit {seeded['deposit']:.1f} s, notification "
        f"{seeded['notification']:.1f} s, activity {seeded['archive_activity']:.1f} s); activity records "
        f"{figures['activity_records_after']:,}, other candidates {figures['other_candidates']}"
    )
    for label, q in (("candidate query", query), ("  all candidates", full)):
        print(f"{label:<20}limit {q['limit']:>6}: {q['returned']} ids, {fmt(q['seconds'])}")
        explain = q["explain"]
        if isinstance(explain, dict):
            print(
                f"{'  explain':<20}{' > '.join(explain['plan'])}: keys examined {explain['keys_examined']}, "
                f"docs examined {explain['docs_examined']}, returned {explain['n_returned']}, "
                f"server {explain['server_ms']} ms"
            )
        else:
            print(f"{'  explain':<20}{explain}")
    sweep = figures["sweep"]
    print(
        f"sweep               {announced} announced in {sweep_seconds:.1f} s = {sweep['dossiers_per_second']:.1f} "
        f"dossiers/s; {sweep['batches']} batches; outcomes {sweep['outcomes']}"
    )
    for step in steps:
        print(f"  {step:<18}{fmt(figures['move_seconds'][step])}")
    print(
        f"end to end          {e2e['archived']}/{limit} archived; {e2e['dossiers_per_second']:.1f} "
        f"dossiers/s from the sweep's start; lag after the sweep {e2e['lag_after_sweep_s']:.1f} s"
    )
    print(f"  announced→archived {fmt(e2e['announced_to_archived_s'])}")
    print(f"  phases            {counts}")
    if "cleanup" in figures:
        print(f"cleanup             {figures['cleanup']}")
    print(f"cpu per dossier     {'during sweep':>14} {'to archived':>14}   (ms; bench = the mover, in process)")
    for name in figures["cpu_ms_per_dossier"]["sweep_to_archived"]:
        during = figures["cpu_ms_per_dossier"]["during_sweep"].get(name, 0.0)
        total = figures["cpu_ms_per_dossier"]["sweep_to_archived"][name]
        print(f"  {name:<18}{during:14.2f} {total:14.2f}")
    print("\n" + json.dumps(figures, indent=2, default=str))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")
        print(f"results written to  {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
