"""``python -m archive.sweep [--au AAAA-MM-JJ] [--limite N]``: move the stale dossiers now, as of a date
(today by default), then print the counts as JSON. The on-demand twin of the mover's timer, for ops and
catch-up; ``POST /admin/archivage`` does the same over HTTP."""

import argparse
import asyncio
import json
from datetime import UTC, date, datetime, time

from archive.bootstrap import open_context, stop
from archive.settings import ArchiveSettings
from messaging.logs import configure


async def run(as_of: datetime, limit: int | None) -> dict:
    ctx = await open_context(ArchiveSettings(), "archive-sweep")
    try:
        return (await ctx.mover.sweep(as_of, limit)).summary()
    finally:
        await stop(ctx)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m archive.sweep", description=__doc__)
    parser.add_argument("--au", type=date.fromisoformat, help="reference date (default: today)")
    parser.add_argument("--limite", type=int, help="at most this many dossiers")
    args = parser.parse_args()
    settings = ArchiveSettings()
    configure("archive-sweep", settings.log_level)
    as_of = datetime.combine(args.au, time(0), tzinfo=UTC) if args.au else datetime.now(UTC)
    print(json.dumps(asyncio.run(run(as_of, args.limite)), indent=2))


if __name__ == "__main__":
    main()
