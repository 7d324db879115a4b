"""``python -m deposit.seed``: load a directory (structures, users, habilitations) into a running deposit
service, as its administrator, and print one API token per user.

    python -m deposit.seed                       # the demo directory, into http://127.0.0.1:8000
    python -m deposit.seed --file my.json --url http://deposit:8000 --token "$DEPOSIT_ADMIN_TOKEN"

The file holds ``structures`` (the body of ``PUT /v1/structures/{siret}``) and ``utilisateurs`` (e-mail,
nom, habilitations). Loading the same file twice changes nothing but the new tokens it prints.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import httpx

DEMO_DIRECTORY = Path(__file__).with_name("demo_directory.json")
LOCAL_ADMIN_TOKEN = "tvx_local_admin"  # what `make up` gives the local deposit service (deploy/local/stack.py)


def default_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('DEPOSIT_HTTP_PORT', '8000')}"


def default_token() -> str:
    return os.environ.get("DEPOSIT_ADMIN_TOKEN", LOCAL_ADMIN_TOKEN)


def _check(response: httpx.Response, what: str) -> dict:
    if response.status_code not in (200, 201):
        raise SystemExit(f"{what}: {response.status_code} {response.text}")
    return response.json()


def token_for(client: httpx.Client, email: str, libelle: str = "seed") -> str:
    """A new API token for ``email`` (the administrator's client creates it)."""
    return _check(client.post(f"/v1/utilisateurs/{email}/jetons", json={"libelle": libelle}), email)["jeton"]


def seed(client: httpx.Client, directory: dict) -> dict[str, str]:
    """Load ``directory``; returns each user's new token."""
    for structure in directory.get("structures", []):
        _check(client.put(f"/v1/structures/{structure['siret']}", json=structure), structure["siret"])
        print(f"structure {structure['siret']}  {structure['nom']:<40} {structure['email_contact']}")
    tokens = {}
    for user in directory.get("utilisateurs", []):
        _check(client.put(f"/v1/utilisateurs/{user['email']}", json={"nom": user["nom"]}), user["email"])
        for habilitation in user.get("habilitations", []):
            body = {k: v for k, v in habilitation.items() if k != "siret"}
            path = f"/v1/structures/{habilitation['siret']}/habilitations/{user['email']}"
            _check(client.put(path, json=body), path)
        tokens[user["email"]] = token_for(client, user["email"])
        print(f"user      {user['email']:<45} token {tokens[user['email']]}")
    return tokens


def admin_client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=default_url(), help="deposit service base URL")
    parser.add_argument("--token", default=default_token(), help="administrator token (DEPOSIT_ADMIN_TOKEN)")
    parser.add_argument("--file", type=Path, default=DEMO_DIRECTORY, help="JSON directory file")
    args = parser.parse_args(argv)
    try:
        with admin_client(args.url, args.token) as client:
            seed(client, json.loads(args.file.read_text(encoding="utf-8")))
    except httpx.ConnectError:
        print(f"cannot reach the deposit service at {args.url}: is it running? (make up)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
