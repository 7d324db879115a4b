"""The move of a dossier from the active store to the archive (docs/architecture.md §8, docs/domain.md §8.3).

1. The archive service copies a dossier untouched for two years, verifies the copy, and announces it:
   ``DossierArchived`` on ``travaux.dossiers.archived``.
2. The deposit service, owner of the dossier, removes it from the active store only if it did not change
   since the copy (same ``fingerprint``), and says what it did on ``travaux.dossiers.removed``:
   ``DossierRemoved`` (gone from the active store: the archive copy becomes the dossier, the other owners
   drop their records of it) or ``DossierKept`` (activity during the move: the archive drops its copy).
"""

from pydantic import AwareDatetime, Field

from contracts.events import _Payload


class ArchivedCounts(_Payload):
    pieces: int = Field(ge=0)
    documents: int = Field(ge=0, description="Documents and attachments")
    octets: int = Field(ge=0, description="Total size of the documents")
    notifications: int = Field(ge=0, description="Notification records (e-mails) copied")


class DossierArchived(_Payload):
    """A dossier was copied whole into the archive and the copy verified (counts, SHA-256 of every document)."""

    dossier_id: str
    move_id: str = Field(description="One attempt at moving this dossier; the events of one move share it")
    fingerprint: str = Field(description="The owner's fingerprint of the dossier as copied (SHA-256)")
    piece_ids: list[str]
    notification_ids: list[str] = Field(description="The notification records the archive holds")
    counts: ArchivedCounts
    location: str = Field(description="URL of the dossier in the archive")
    archived_at: AwareDatetime


class DossierRemoved(_Payload):
    """The owner removed the dossier from the active store: it now lives in the archive only."""

    dossier_id: str
    move_id: str
    piece_ids: list[str]
    notification_ids: list[str]
    location: str
    removed_at: AwareDatetime


class DossierKept(_Payload):
    """The owner kept the dossier active: it changed after the archive copied it (or is unknown)."""

    dossier_id: str
    move_id: str
    code: str = Field(description="Stable reason: dossier_modifie, dossier_inconnu")
    reason: str
