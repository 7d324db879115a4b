"""Handing a dossier over to the archive (``contracts.archiving``).

- ``dossier_bundle``: the dossier exactly as stored (its record, every pièce record with its history and
  document metadata), the list of its documents and attachments, and a fingerprint: the SHA-256 of the
  records in canonical Extended JSON. The archive copies it through ``/internal/v1``.
- The archive then announces its verified copy; ``deposit.handlers.dossier_archived`` decides.
"""

import hashlib
from typing import Any

from deposit.ports import PiecesPort
from messaging.internal import dumps


def fingerprint(dossier: dict[str, Any], pieces: list[dict[str, Any]]) -> str:
    return hashlib.sha256(dumps({"dossier": dossier, "pieces": pieces}).encode()).hexdigest()


def documents_of(pieces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every stored file of the dossier: each pièce's document, then its attachments in order."""
    files = []
    for piece in pieces:
        document = piece["document"]
        entries = [("document", None, document)] + [
            ("piece_jointe", index, a) for index, a in enumerate(document.get("attachments", []))
        ]
        for kind, index, stored in entries:
            files.append(
                {
                    "file_id": stored["file_id"],
                    "piece_id": piece["_id"],
                    "kind": kind,
                    "index": index,
                    **{k: stored[k] for k in ("filename", "content_type", "size", "sha256")},
                }
            )
    return files


async def dossier_bundle(store: PiecesPort, dossier_id: str) -> dict[str, Any] | None:
    """From ``store``: the context's (a read) or a transaction's (the decision to remove the dossier)."""
    dossier, pieces = await store.raw_dossier(dossier_id)
    if dossier is None:
        return None
    return {
        "dossier_id": dossier_id,
        "fingerprint": fingerprint(dossier, pieces),
        "dossier": dossier,
        "pieces": pieces,
        "documents": documents_of(pieces),
    }
