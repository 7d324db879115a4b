"""``python -m deposit.demo``: load the demo directory (``deposit.seed``), deposit a sample A4 (projet de
décompte mensuel) as the demo fournisseur, follow it to the MOE, and show the e-mails MailDev caught."""

import argparse
import json
import os
import sys
import time
import uuid
from datetime import date, timedelta

import httpx

from deposit.mailbox import Mailbox
from deposit.seed import DEMO_DIRECTORY, admin_client, default_token, default_url, seed

SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=default_url())
    parser.add_argument("--token", default=default_token(), help="administrator token (DEPOSIT_ADMIN_TOKEN)")
    parser.add_argument("--maildev", default=f"http://127.0.0.1:{os.environ.get('MAILDEV_UI_PORT', '1080')}")
    args = parser.parse_args(argv)
    directory = json.loads(DEMO_DIRECTORY.read_text(encoding="utf-8"))
    fournisseur, moe, moa = directory["structures"]
    user = directory["utilisateurs"][0]["email"]  # the fournisseur's agent, with the token its mail gave
    mailbox = Mailbox(args.maildev)
    try:
        with admin_client(args.url, args.token) as admin:
            token = seed(admin, directory, mailbox)[user]
    except httpx.ConnectError:
        print(f"cannot reach the deposit service at {args.url}: is it running? (make up)", file=sys.stderr)
        return 1
    numero = f"PDM-DEMO-{uuid.uuid4().hex[:6].upper()}"
    piece = {
        "cadre": "A4",
        "numero": numero,
        "date_piece": (date.today() - timedelta(days=1)).isoformat(),
        "devise": "EUR",
        "montant_ht": "48500.00",
        "montant_tva": "9700.00",
        "montant_ttc": "58200.00",
        "fournisseur": fournisseur["siret"],
        "moe": moe["siret"],
        "moa": moa["siret"],
        "numero_marche": "2026-TRX-042",
    }
    with httpx.Client(base_url=args.url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        try:
            response = client.post(
                "/v1/pieces",
                files={
                    "piece": (None, json.dumps(piece), "application/json"),
                    "document": (f"{numero}.pdf", SAMPLE_PDF, "application/pdf"),
                },
                headers={"Idempotency-Key": numero},
            )
        except httpx.ConnectError:
            print(f"cannot reach the deposit service at {args.url}: is it running? (make up)", file=sys.stderr)
            return 1
        if response.status_code != 201:
            print(f"deposit refused: {response.status_code} {response.text}", file=sys.stderr)
            return 1
        accepted = response.json()
        print(
            f"{user} deposited A4 {numero}: pièce {accepted['piece_id']} in dossier {accepted['dossier_id']} ({accepted['statut']})"
        )
        began = time.monotonic()
        while time.monotonic() - began < 60:
            current = client.get(f"/v1/pieces/{accepted['piece_id']}").json()
            if current["statut"] != "DEPOSEE":
                break
            time.sleep(0.3)
        for step in current["historique"]:
            print(f"  {step['at']}  {step['statut']}")
    began = time.monotonic()
    mails: list = []
    while time.monotonic() - began < 30 and len(mails) < 3:
        try:
            mails = [m for m in mailbox.messages() if numero in m.subject]
        except httpx.HTTPError:
            mails = []
        time.sleep(0.5)
    for mail in mails:
        print(f"  e-mail to {', '.join(mail.to)}: {mail.subject}")
    print(f"see them in MailDev: {args.maildev}   the dossier: {args.url}/v1/dossiers/{accepted['dossier_id']}")
    return 0 if len(mails) == 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
