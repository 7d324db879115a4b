"""End-to-end benchmark against the running system (`make up` first). Prints figures; asserts nothing.

    .venv/bin/python tests/bench/run.py [-n 2000] [-c 32] [--rate 20] [--paced 400] [--json bench-results.json]

Measures, in one run on the same broker and database:
- throughput: N A4 deposits at concurrency C (closed loop): pièces/s accepted by POST /v1/pieces, and end
  to end (until every MOE e-mail was sent);
- MongoDB operations per pièce over that phase, from the server's own counters (``serverStatus``:
  ``opcounters``, every bucket, and ``network.numRequests``), and CPU milliseconds per pièce of each
  service process, of the broker and of the database (from /proc);
- the database's ceiling in the same run: raw single-document inserts/s at concurrency C divided by the
  operations per pièce, and the end-to-end rate as a ratio to it;
- latency: ``--paced`` deposits at ``--rate`` per second (open loop), percentiles from the deposit request
  to MISE_A_DISPOSITION_MOE on the public topic and to the MOE's e-mail accepted by the SMTP server;
- the raw aiokafka produce→consume rate.
The JSON file starts with ``db_ops_per_piece``, ``cpu_ms_per_piece`` (one key per process plus
``services_total``), ``e2e_per_s``, ``accepted_per_s``, ``ceiling_ratio``, ``p99_ms_deposit_to_mail``.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pymongo import AsyncMongoClient

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from contracts import ContractError, Statut, parse_event, topics  # noqa: E402
from messaging.kafka import ensure_topics  # noqa: E402
from tests.support.data import PDF, siret  # noqa: E402
from tests.support.settled import settled  # noqa: E402

SERVICES = ("deposit", "routing", "notification", "archive", "archive-mover")
INFRASTRUCTURE = ("kafka", "mongodb")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mib(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[name].split()[0]) / 1024 for key, name in (("rss", "VmRSS"), ("peak", "VmHWM"))}


def process_pids(run_dir: Path) -> dict[str, int]:
    """The services' and the infrastructure's processes that `make up` started (its pid files)."""
    pids = {}
    for name in SERVICES + INFRASTRUCTURE:
        path = run_dir / "pids" / f"{name}.pid"
        if path.exists():
            pids[name] = int(path.read_text())
    return pids


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
        "n": len(ordered),
    }


async def watch_status(bootstrap: str, reached: dict[str, float], stop: asyncio.Event, watching: asyncio.Event) -> None:
    """Timestamps (wall clock) when each pièce's MISE_A_DISPOSITION_MOE event is seen on the topic
    (``watching`` is set once it reads from the topic's current end)."""
    # A short fetch wait: the local broker does not wake a pending fetch, which would add up to 500 ms.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    partitions = [
        TopicPartition(topics.PIECES_STATUS, p) for p in consumer.partitions_for_topic(topics.PIECES_STATUS) or []
    ]
    if not partitions:
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(topics.PIECES_STATUS, p) for p in consumer.partitions_for_topic(topics.PIECES_STATUS)
        ]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for partition in partitions:
        await consumer.position(partition)  # the end offsets resolved: what is published from now on is seen
    watching.set()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            now = time.time()
            for records in batches.values():
                for record in records:
                    try:
                        event = parse_event(record.value)
                    except ContractError:
                        continue
                    piece_id = event.data.piece.piece_id
                    if event.data.statut is Statut.MISE_A_DISPOSITION_MOE:
                        reached.setdefault(piece_id, now)
    finally:
        await consumer.stop()


async def deposit_all(
    url: str, n: int, concurrency: int, parties: dict, rate: float | None, token: str
) -> tuple[dict[str, float], float, int]:
    """Closed loop (each of C clients deposits as fast as answers come), or paced at ``rate`` per
    second (open loop, at most C in flight): latency under a load the system sustains."""
    started: dict[str, float] = {}
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    run = uuid.uuid4().hex[:6]
    day = (date.today() - timedelta(days=1)).isoformat()

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            i = queue.get_nowait()
            if rate:
                await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
            piece = {
                "cadre": "A4",
                "numero": f"B{run}-{i}",
                "date_piece": day,
                "montant_ht": "1000.00",
                "montant_tva": "200.00",
                "montant_ttc": "1200.00",
                **parties,
            }
            t0 = time.time()
            response = await client.post(
                "/v1/pieces",
                files={
                    "piece": (None, json.dumps(piece), "application/json"),
                    "document": ("p.pdf", PDF, "application/pdf"),
                },
            )
            if response.status_code == 201:
                started[response.json()["piece_id"]] = t0
            else:
                errors += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    began = time.monotonic()
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits, headers=auth) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.monotonic() - began
    return started, elapsed, errors


async def raw_kafka(bootstrap: str, count: int) -> float:
    """Messages/s through the broker: pipelined produce of ``count`` 1 KiB messages, consumed back."""
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    try:
        payload = b"x" * 1024
        await ensure_topics(bootstrap, names=[topic])  # no client of ours creates a topic by naming it
        await producer.send_and_wait(topic, payload)
        partitions = [TopicPartition(topic, p) for p in await producer.partitions_for(topic)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        began = time.monotonic()
        futures = [await producer.send(topic, payload) for _ in range(count)]
        received = 0
        while received < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            received += sum(len(r) for r in batches.values())
        await asyncio.gather(*futures)
        return count / (time.monotonic() - began)
    finally:
        await producer.stop()
        await consumer.stop()


async def raw_mongo(uri: str, count: int, concurrency: int) -> float:
    """Single-document inserts/s at the benchmark's concurrency, on the same server."""
    client = AsyncMongoClient(uri)
    collection = client["bench_raw"][f"inserts_{uuid.uuid4().hex[:8]}"]
    try:
        queue = list(range(count))

        async def worker() -> None:
            while queue:
                i = queue.pop()
                await collection.insert_one({"i": i, "at": datetime.now(UTC), "payload": "x" * 512})

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.monotonic() - began)
    finally:
        await collection.drop()
        await client.close()


async def server_operations(mongo: AsyncMongoClient) -> dict[str, int]:
    """The database server's own counters: operations by bucket (insert, query, update, delete, getmore,
    command) and the wire requests it answered."""
    status = await mongo.admin.command("serverStatus")
    counters = {name: int(value) for name, value in status.get("opcounters", {}).items()}
    counters["requests"] = int(status.get("network", {}).get("numRequests", 0))
    return counters


MOE_MAILS = {"template": "action_attendue", "state": "sent"}


async def moe_mails_sent(deliveries, since: datetime) -> int:
    return await deliveries.count_documents({**MOE_MAILS, "created_at": {"$gte": since}})


async def moe_mail_times(deliveries, since: datetime) -> dict[str, float]:
    """When the SMTP server accepted each MOE e-mail (the notification service's delivery record)."""
    cursor = deliveries.find({**MOE_MAILS, "created_at": {"$gte": since}}, {"piece_id": 1, "sent_at": 1})
    return {d["piece_id"]: d["sent_at"].timestamp() async for d in cursor}


async def main() -> int:
    parser = argparse.ArgumentParser(description="End-to-end benchmark (make up first)")
    parser.add_argument("-n", type=int, default=2000, help="A4 deposits")
    parser.add_argument("-c", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--rate", type=float, default=20.0, help="the latency phase's pace, pièces per second")
    parser.add_argument("--paced", type=int, default=400, help="deposits of the latency phase (0: none)")
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('DEPOSIT_HTTP_PORT', '8000')}")
    parser.add_argument(
        "--kafka",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"),
    )
    parser.add_argument(
        "--mongodb",
        default=os.environ.get(
            "MONGODB_URI",
            f"mongodb://127.0.0.1:{os.environ.get('MONGODB_PORT', '27017')}/?retryWrites=false&directConnection=true",
        ),
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("DEPOSIT_ADMIN_TOKEN", "tvx_local_admin"),
        help="the deposit administrator's token (make up's default)",
    )
    parser.add_argument("--run-dir", type=Path, default=Path(os.environ.get("RUN_DIR", REPO / ".run")))
    parser.add_argument("--raw-messages", type=int, default=20000)
    parser.add_argument("--json", type=Path, default=REPO / "bench-results.json")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the pipeline to drain")
    args = parser.parse_args()

    try:
        ready = httpx.get(f"{args.url}/health/ready", timeout=5)
    except httpx.HTTPError:
        print(f"the deposit service does not answer at {args.url}: run `make up` first", file=sys.stderr)
        return 1
    if ready.status_code != 200:
        print(f"the system is not ready: {ready.text}", file=sys.stderr)
        return 1

    names = ("fournisseur", "moe", "moa")
    parties = {}
    admin = {"Authorization": f"Bearer {args.token}"}
    async with httpx.AsyncClient(base_url=args.url, timeout=30, headers=admin) as client:
        for name in names:
            number = siret()
            body = {
                "siret": number,
                "nom": f"Bench {name}",
                "email_contact": f"bench-{name}-{number}@example.fr",
                "publique": name == "moa",
                **({"presence_moa": "AVEC_MOA", "categorie": "COLLECTIVITE_TERRITORIALE"} if name == "moa" else {}),
            }
            (await client.put(f"/v1/structures/{number}", json=body)).raise_for_status()
            parties[name] = number
        # The bench deposits as an API client of its fournisseur: a technical account of that structure,
        # whose token its gestionnaire (here the administrator) mints (docs/authority.md).
        path = f"/v1/structures/{parties['fournisseur']}/comptes-techniques"
        account = await client.post(path, json={"libelle": "bench", "profil": "MODIFICATION"})
        account.raise_for_status()
        created = await client.post(
            f"/v1/utilisateurs/{account.json()['identifiant']}/jetons", json={"libelle": "bench"}
        )
        created.raise_for_status()
        token = created.json()["jeton"]
    # Every service has read the new structures and accounts (notification mails their users) before a deposit.
    await settled(SimpleNamespace(kafka=args.kafka, mongodb_uri=args.mongodb), mails=False)

    pids = process_pids(args.run_dir)
    mongo = AsyncMongoClient(args.mongodb, tz_aware=True)
    deliveries = mongo["notification"]["deliveries"]
    try:
        print(f"throughput: {args.n} A4 pièces at concurrency {args.c} ...", flush=True)
        ops_before, cpu_before = await server_operations(mongo), {n: cpu_seconds(p) for n, p in pids.items()}
        load = await phase(args, parties, token, deliveries, args.n, None)
        ops_after, cpu_after = await server_operations(mongo), {n: cpu_seconds(p) for n, p in pids.items()}
        print(f"latency: {args.paced} A4 pièces paced at {args.rate:g}/s ...", flush=True)
        paced = await phase(args, parties, token, deliveries, args.paced, args.rate)
    finally:
        await mongo.close()
    memory = {name: memory_mib(pid) for name, pid in pids.items() if name in SERVICES}
    accepted = load.accepted

    print("measuring the raw broker and database on the same machine ...", flush=True)
    kafka_rate = await raw_kafka(args.kafka, args.raw_messages)
    mongo_rate = await raw_mongo(args.mongodb, max(2000, args.n), args.c)

    per_piece = max(1, accepted)
    operations = {name: (ops_after.get(name, 0) - ops_before.get(name, 0)) / per_piece for name in ops_after}
    db_ops = sum(v for name, v in operations.items() if name != "requests")
    cpu_ms = {name: (cpu_after[name] - cpu_before[name]) * 1000 / per_piece for name in pids}
    cpu_ms["services_total"] = sum(v for name, v in cpu_ms.items() if name in SERVICES)
    ceiling = mongo_rate / db_ops if db_ops else None
    p99_mail = paced.to_mail.get("p99")

    results = {
        "db_ops_per_piece": db_ops,
        "cpu_ms_per_piece": cpu_ms,
        "e2e_per_s": load.end_to_end_per_s,
        "accepted_per_s": load.accepted_per_s,
        "ceiling_ratio": load.end_to_end_per_s / ceiling if ceiling else None,
        "p99_ms_deposit_to_mail": p99_mail * 1000 if p99_mail is not None else None,
        "when": datetime.now(UTC).isoformat(),
        "deposits": args.n,
        "concurrency": args.c,
        "accepted": accepted,
        "refused": load.errors,
        "db_ops_per_piece_by_kind": operations,
        "db_ceiling_per_s": ceiling,
        "raw_mongo_inserts_per_s": mongo_rate,
        "raw_kafka_msgs_per_s": kafka_rate,
        "throughput_latency_to_moe_s": load.to_moe,
        "throughput_latency_to_moe_email_s": load.to_mail,
        "paced": {
            "rate_per_s": args.rate,
            "deposits": args.paced,
            "accepted": paced.accepted,
            "refused": paced.errors,
            "latency_to_moe_s": paced.to_moe,
            "latency_to_moe_email_s": paced.to_mail,
        },
        "memory_mib": memory,
    }
    args.json.write_text(json.dumps(results, indent=2) + "\n")

    def fmt(p: dict) -> str:
        return (
            "  ".join(f"{k} {v * 1000:7.0f} ms" for k, v in p.items() if k != "n") + f"  ({p.get('n', 0)})"
            if p
            else "(none)"
        )

    print(f"\naccepted            {accepted}/{args.n} = {load.accepted_per_s:.1f} pièces/s ({load.errors} refused)")
    print(f"end to end          {load.end_to_end_per_s:.1f} pièces/s (until every MOE e-mail was sent)")
    kinds = "  ".join(f"{k} {v:.1f}" for k, v in operations.items())
    print(f"database            {db_ops:.1f} operations per pièce ({kinds})")
    print(
        f"database ceiling    {mongo_rate:,.0f} raw inserts/s ÷ {db_ops:.1f} = {ceiling or 0:.1f} pièces/s; end to end at {results['ceiling_ratio'] or 0:.2f} of it"
    )
    for name, value in cpu_ms.items():
        mem = memory.get(name)
        extra = f"   memory {mem['rss']:6.1f} MiB (peak {mem['peak']:.1f})" if mem else ""
        print(f"cpu {name:<16}{value:8.2f} ms per pièce{extra}")
    print(f"paced {args.rate:g}/s → MOE  {fmt(paced.to_moe)}")
    print(f"paced {args.rate:g}/s → mail {fmt(paced.to_mail)}")
    print(f"raw kafka           {kafka_rate:,.0f} msgs/s produce→consume (1 KiB)")
    print(f"results written to  {args.json}")
    complete = load.reached == accepted == args.n and load.mailed == accepted and paced.mailed == paced.accepted
    return 0 if complete else 2


@dataclass
class Phase:
    accepted: int
    errors: int
    accepted_per_s: float
    end_to_end_per_s: float
    to_moe: dict[str, float]
    to_mail: dict[str, float]
    reached: int
    mailed: int


async def phase(args, parties: dict, token: str, deliveries, n: int, rate: float | None) -> Phase:
    """N deposits (closed loop, or paced at ``rate``), then until each reached the MOE and its MOE e-mail
    was sent (or ``--timeout``)."""
    reached: dict[str, float] = {}
    stop, watching = asyncio.Event(), asyncio.Event()
    watcher = asyncio.create_task(watch_status(args.kafka, reached, stop, watching))
    await asyncio.wait_for(watching.wait(), 30)
    since = datetime.now(UTC) - timedelta(seconds=1)
    started, deposit_seconds, errors = await deposit_all(args.url, n, args.c, parties, rate, token)
    began_wait = time.monotonic()
    while time.monotonic() - began_wait < args.timeout:
        if len(started.keys() & reached.keys()) >= len(started) and await moe_mails_sent(deliveries, since) >= len(
            started
        ):
            break
        await asyncio.sleep(0.2)
    drained = time.monotonic() - began_wait
    mails = await moe_mail_times(deliveries, since)
    stop.set()
    await watcher
    to_moe = [reached[p] - started[p] for p in started if p in reached]
    to_mail = [mails[p] - started[p] for p in started if p in mails]
    accepted = len(started)
    return Phase(
        accepted=accepted,
        errors=errors,
        accepted_per_s=accepted / deposit_seconds if deposit_seconds else 0.0,
        end_to_end_per_s=accepted / (deposit_seconds + drained) if accepted else 0.0,
        to_moe=percentiles(to_moe),
        to_mail=percentiles(to_mail),
        reached=len(to_moe),
        mailed=len(to_mail),
    )


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
