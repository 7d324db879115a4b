"""``python -m deposit.seed``: load a directory (structures, people, habilitations) into a running deposit
service and print one API token per person.

    python -m deposit.seed                       # the demo directory, into http://127.0.0.1:8000
    python -m deposit.seed --file my.json --url http://deposit:8000 --token "$DEPOSIT_ADMIN_TOKEN"

The file holds ``structures`` (the body of ``PUT /v1/structures/{siret}``) and ``utilisateurs`` (e-mail,
nom, habilitations). As the administrator, it creates the structures and invites each person on theirs
(docs/authority.md); then, playing the demo people's part, it reads each one's invitation (or sign-in)
mail from the local mail catcher (``--mailbox``, MailDev by default) and redeems its one-time code for
that person's token — nobody mints a token for someone else. Loading the same file twice changes
nothing but the new tokens it prints.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import httpx

from deposit.mailbox import Mailbox

DEMO_DIRECTORY = Path(__file__).with_name("demo_directory.json")
LOCAL_ADMIN_TOKEN = "tvx_local_admin"  # what `make up` gives the local deposit service (deploy/local/stack.py)


def default_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('DEPOSIT_HTTP_PORT', '8000')}"


def default_token() -> str:
    return os.environ.get("DEPOSIT_ADMIN_TOKEN", LOCAL_ADMIN_TOKEN)


def _check(response: httpx.Response, what: str) -> dict:
    if response.status_code not in (200, 201, 202):
        raise SystemExit(f"{what}: {response.status_code} {response.text}")
    return response.json()


def default_mailbox() -> str:
    return f"http://127.0.0.1:{os.environ.get('MAILDEV_UI_PORT', '1080')}"


def token_for(url: str, mailbox: Mailbox, email: str, libelle: str = "seed") -> str:
    """What the person does with the mail: asks for a sign-in code, reads it, redeems it for a token."""
    earlier = len(mailbox.codes(email))
    with httpx.Client(base_url=url, timeout=30) as anonymous:
        _check(anonymous.post("/v1/comptes/code", json={"email": email}), email)
        return _redeem(anonymous, mailbox.wait_code(email, earlier), libelle)


def _redeem(anonymous: httpx.Client, code: str, libelle: str) -> str:
    return _check(anonymous.post("/v1/comptes/activation", json={"code": code, "libelle": libelle}), "code")["jeton"]


def seed(client: httpx.Client, directory: dict, mailbox: Mailbox) -> dict[str, str]:
    """Load ``directory`` (``client``: the administrator's); returns each person's new token."""
    for structure in directory.get("structures", []):
        _check(client.put(f"/v1/structures/{structure['siret']}", json=structure), structure["siret"])
        print(f"structure {structure['siret']}  {structure['nom']:<40} {structure['email_contact']}")
    tokens = {}
    for user in directory.get("utilisateurs", []):
        email, earlier, invited = user["email"], len(mailbox.codes(user["email"])), 0
        for habilitation in user.get("habilitations", []):
            body = {k: v for k, v in habilitation.items() if k != "siret"} | {"email": email, "nom": user["nom"]}
            response = client.post(f"/v1/structures/{habilitation['siret']}/invitations", json=body)
            if response.status_code == 409 and response.json().get("code") == "deja_habilite":
                continue  # loaded before
            _check(response, f"invitation of {email} on {habilitation['siret']}")
            invited += 1
        if invited:
            with httpx.Client(base_url=str(client.base_url), timeout=30) as anonymous:
                token = _redeem(anonymous, mailbox.wait_code(email, earlier), "seed")
            with httpx.Client(base_url=str(client.base_url), timeout=30, headers=_bearer(token)) as person:
                for invitation in _check(person.get("/v1/moi/invitations"), email):
                    _check(person.post(f"/v1/moi/invitations/{invitation['id']}/accepter"), email)
        else:
            token = token_for(str(client.base_url), mailbox, email)
        tokens[email] = token
        print(f"user      {email:<45} token {token}")
    return tokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin_client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, headers=_bearer(token))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=default_url(), help="deposit service base URL")
    parser.add_argument("--token", default=default_token(), help="administrator token (DEPOSIT_ADMIN_TOKEN)")
    parser.add_argument("--file", type=Path, default=DEMO_DIRECTORY, help="JSON directory file")
    parser.add_argument("--mailbox", default=default_mailbox(), help="the mail catcher's REST API (MailDev, Mailpit)")
    parser.add_argument("--mailbox-kind", default="maildev", choices=["maildev", "mailpit"])
    args = parser.parse_args(argv)
    mailbox = Mailbox(args.mailbox, args.mailbox_kind)
    try:
        with admin_client(args.url, args.token) as client:
            seed(client, json.loads(args.file.read_text(encoding="utf-8")), mailbox)
    except httpx.ConnectError as exc:
        print(f"cannot reach {exc.request.url}: is everything running? (make up)", file=sys.stderr)
        return 1
    finally:
        mailbox.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
