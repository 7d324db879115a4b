"""Test data a user would type: valid SIRETs, real-looking pièces, a small PDF."""

import json
import random
import uuid
from datetime import date, timedelta
from email.message import Message
from email.utils import collapse_rfc2231_value

from contracts.siret import luhn_ok

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def siret() -> str:
    """A random SIRET with a valid Luhn key (never La Poste's SIREN)."""
    while True:
        body = "".join(random.choice("0123456789") for _ in range(13))
        if body.startswith("356000000"):
            continue
        for last in "0123456789":
            if luhn_ok(body + last):
                return body + last


def structure(name: str, public: bool = False) -> dict:
    number = siret()
    return {
        "siret": number,
        "nom": name,
        "email_contact": f"{name.lower().replace(' ', '.')}.{number}@example.fr",
        "publique": public,
    }


def piece(fournisseur: str, moe: str, moa: str | None = None, **overrides) -> dict:
    body = {
        "cadre": "A4",
        "numero": f"PDM-{uuid.uuid4().hex[:10]}",
        "date_piece": (date.today() - timedelta(days=1)).isoformat(),
        "devise": "EUR",
        "montant_ht": "10000.00",
        "montant_tva": "2000.00",
        "montant_ttc": "12000.00",
        "montant_a_payer": "12000.00",
        "fournisseur": fournisseur,
        "moe": moe,
        "moa": moa,
        "numero_marche": "MARCHE-2026-001",
    }
    body.update(overrides)
    return body


def multipart(
    piece_body: dict | str | None,
    document: bytes | None = PDF,
    filename: str = "pdm.pdf",
    attachments: list[tuple[str, bytes, str]] = (),
) -> list:
    """The multipart parts of ``POST /v1/pieces`` (a list: ``attachments`` may repeat)."""
    files = {}
    if piece_body is not None:
        text = piece_body if isinstance(piece_body, str) else json.dumps(piece_body)
        files["piece"] = (None, text, "application/json")
    if document is not None:
        files["document"] = (filename, document, "application/pdf")
    return list(files.items()) + [("attachments", attachment) for attachment in attachments]


def raw_multipart(parts: list[tuple[str, str | None, str, bytes]]) -> tuple[bytes, str]:
    """A multipart body written by hand, as curl writes it: a quote in a file name is escaped with a
    backslash (httpx would percent-encode it). ``parts``: (name, filename or None, content type, bytes).
    Returns the body and its Content-Type."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += '; filename="' + filename.replace("\\", "\\\\").replace('"', '\\"') + '"'
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def saved_filename(content_disposition: str) -> str:
    """The file name a client saves a download under (RFC 6266: ``filename*`` when present, else ``filename``)."""
    message = Message()
    message["Content-Disposition"] = content_disposition
    values = [value for name, value in message.get_params(header="content-disposition") if name == "filename"]
    encoded = [v for v in values if isinstance(v, tuple)]
    return collapse_rfc2231_value(encoded[0]) if encoded else values[0]
