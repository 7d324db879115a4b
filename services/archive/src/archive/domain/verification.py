"""Is the archive's copy of a dossier the dossier? A pure comparison of what the owners served (the
bundle) with what the archive's store gives back: the same records, field for field (canonical Extended
JSON), every document with its size and SHA-256, every notification record."""

from dataclasses import dataclass, field
from typing import Any

from messaging.internal import dumps


@dataclass(frozen=True)
class StoredCopy:
    dossier: dict[str, Any] | None
    pieces: list[dict[str, Any]]  # as the owner stored them (the archive's own fields removed)
    documents: dict[str, tuple[int, str]]  # file id (hex) → (size, SHA-256 of the stored bytes)
    notifications: list[dict[str, Any]]


@dataclass(frozen=True)
class Verification:
    pieces: int
    documents: int
    octets: int
    notifications: int
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def _by_id(records: list[dict[str, Any]]) -> dict[str, str]:
    return {str(r["_id"]): dumps(r) for r in records}


def verify(bundle: dict[str, Any], notifications: list[dict[str, Any]], stored: StoredCopy) -> Verification:
    problems: list[str] = []
    if stored.dossier is None or dumps(stored.dossier) != dumps(bundle["dossier"]):
        problems.append("dossier record differs")
    for kind, expected, found in (
        ("pièce", _by_id(bundle["pieces"]), _by_id(stored.pieces)),
        ("notification", _by_id(notifications), _by_id(stored.notifications)),
    ):
        if expected.keys() != found.keys():
            problems.append(f"{kind}s: expected {len(expected)}, archive holds {len(found)}")
        problems += [f"{kind} {key} differs" for key in expected.keys() & found.keys() if expected[key] != found[key]]
    for document in bundle["documents"]:
        key = str(document["file_id"])
        held = stored.documents.get(key)
        if held is None:
            problems.append(f"document {key} missing")
        elif held != (document["size"], document["sha256"]):
            problems.append(f"document {key}: {held[0]} bytes sha256 {held[1]}, expected {document['sha256']}")
    if len(stored.documents) != len(bundle["documents"]):
        problems.append(f"documents: expected {len(bundle['documents'])}, archive holds {len(stored.documents)}")
    return Verification(
        pieces=len(stored.pieces),
        documents=len(stored.documents),
        octets=sum(size for size, _ in stored.documents.values()),
        notifications=len(stored.notifications),
        problems=tuple(problems),
    )
