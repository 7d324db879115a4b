"""``python -m deposit.seed``: load a directory of structures into a running deposit service.

    python -m deposit.seed                       # the demo directory, into http://127.0.0.1:8000
    python -m deposit.seed --file my.json --url http://deposit:8000

The file is a JSON list of structures (siret, nom, email_contact, publique, active). Loading the
same file twice changes nothing.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import httpx

DEMO_DIRECTORY = Path(__file__).with_name("demo_directory.json")


def default_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('DEPOSIT_HTTP_PORT', '8000')}"


def seed(url: str, structures: list[dict]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for structure in structures:
            response = client.put(f"/v1/structures/{structure['siret']}", json=structure)
            if response.status_code != 200:
                raise SystemExit(f"{structure['siret']}: {response.status_code} {response.text}")
            print(f"structure {structure['siret']}  {structure['nom']:<40} {structure['email_contact']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=default_url(), help="deposit service base URL")
    parser.add_argument("--file", type=Path, default=DEMO_DIRECTORY, help="JSON list of structures")
    args = parser.parse_args(argv)
    try:
        seed(args.url, json.loads(args.file.read_text(encoding="utf-8")))
    except httpx.ConnectError:
        print(f"cannot reach the deposit service at {args.url}: is it running? (make up)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
