"""Kafka topic names: the only place they are written down."""

PIECES_SUBMITTED = "travaux.pieces.submitted"
PIECES_ROUTED = "travaux.pieces.routed"
PIECES_STATUS = "travaux.pieces.status"
STRUCTURES = "travaux.structures"  # compacted, keyed by SIRET
DOSSIERS_ARCHIVED = "travaux.dossiers.archived"  # archive → deposit: a verified copy exists
DOSSIERS_REMOVED = "travaux.dossiers.removed"  # deposit → archive, notification, routing: the outcome
DEADLINES = "travaux.deadlines"  # legal deadlines reached, keyed by dossier
# Private (deposit → notification): one-time sign-in and invitation codes, keyed by e-mail address.
ACCOUNT_CODES = "travaux.comptes.codes"

ALL = (
    PIECES_SUBMITTED,
    PIECES_ROUTED,
    PIECES_STATUS,
    STRUCTURES,
    DOSSIERS_ARCHIVED,
    DOSSIERS_REMOVED,
    DEADLINES,
    ACCOUNT_CODES,
)
COMPACTED = frozenset({STRUCTURES})
# Topics whose records must not outlive their use: the one-time codes (and their dead letters) expire
# within 7 days, so the log keeps them no longer.
SHORT_LIVED = {ACCOUNT_CODES: 7 * 24 * 3600 * 1000}  # retention.ms


def dead_letter(topic: str) -> str:
    """The dead-letter topic of ``topic``: messages its consumers could not process, reason in headers."""
    return f"{topic}.dlt"


# Header names carried by dead-letter records.
DLT_REASON = "dlt-reason"
DLT_CODE = "dlt-code"
DLT_SOURCE_TOPIC = "dlt-source-topic"
DLT_SOURCE_PARTITION = "dlt-source-partition"
DLT_SOURCE_OFFSET = "dlt-source-offset"
DLT_CONSUMER = "dlt-consumer"
