"""Routing's view of the directory: a faust GlobalTable whose changelog *is* the compacted
``travaux.structures`` topic the deposit service publishes (key: SIRET, value: a StructureUpserted
event).

Every routing worker holds every structure: the table takes all the topic's partitions as actives (read
in full at start, which is how the view survives a restart) and as standbys (followed live, one record
at a time, so a change applies to the next pièce within seconds). Routing only reads the table;
``synchronize_all_active_partitions`` is faust's mode for a global table written by another group.
"""

import logging

import faust
from faust.tables.globaltable import GlobalTable

from contracts import ContractError, Structure, StructureUpserted, parse_event, topics

log = logging.getLogger(__name__)


class ExternalGlobalTable(GlobalTable):
    """A GlobalTable over a topic another service owns. faust's partition assignor looks the changelog
    up by its default name (``<app>-<table>-changelog``); this table answers with its real topic."""

    def _changelog_topic_name(self) -> str:
        return self.changelog_topic.get_topic_name()


def structures_table(app: faust.App, partitions: int) -> GlobalTable:
    changelog = app.topic(
        topics.STRUCTURES, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    table = ExternalGlobalTable(
        app,
        name="structures",
        changelog_topic=changelog,
        schema=faust.Schema(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"),
        partitions=partitions,
        beacon=app.tables.beacon,
        # Every partition is both active and standby here, and faust buffers an active partition's
        # records until it holds recovery_buffer_size of them: 1 applies each change as it arrives.
        recovery_buffer_size=1,
        standby_buffer_size=1,
        is_global=True,
        synchronize_all_active_partitions=True,
        help="Structures of the directory, from travaux.structures",
    )
    return app.tables.add(table)


class DirectoryView:
    """SIRET → ``Structure``, parsed once per version of the record."""

    def __init__(self, table: GlobalTable):
        self.table = table
        self._parsed: dict[str, tuple[bytes, Structure | None]] = {}

    def __call__(self, siret: str) -> Structure | None:
        raw = self.table.get(siret.encode())
        if raw is None:
            return None
        cached = self._parsed.get(siret)
        if cached is not None and cached[0] == raw:
            return cached[1]
        structure = self._parse(siret, raw)
        self._parsed[siret] = (raw, structure)
        return structure

    @staticmethod
    def _parse(siret: str, raw: bytes) -> Structure | None:
        try:
            envelope = parse_event(raw)
        except ContractError as exc:
            log.error("travaux.structures record for %s is unreadable (%s): treated as unknown", siret, exc)
            return None
        if not isinstance(envelope.data, StructureUpserted):
            log.error("travaux.structures record for %s is a %s: treated as unknown", siret, envelope.type)
            return None
        return envelope.data.structure
