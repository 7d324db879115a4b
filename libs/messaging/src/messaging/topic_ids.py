"""Kafka's topic ids (KIP-516), which aiokafka does not ask for: a Metadata v12 request and its answer.

A topic deleted and created again, or re-created by a broker that restarted without its data, gets a
new id: the one sure sign that offsets kept from before mean nothing now (offsets alone can line up
again by chance once the new topic fills). Apache Kafka answers v12 since 3.1; so does the local broker.
"""

import uuid
from dataclasses import dataclass
from io import BytesIO

from aiokafka import AIOKafkaClient
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    AbstractType,
    Boolean,
    CompactArray,
    CompactString,
    Int16,
    Int32,
    Schema,
    TaggedFields,
)

NO_ID = uuid.UUID(int=0)
UNKNOWN_TOPIC = 3


class _Uuid(AbstractType[uuid.UUID]):
    @classmethod
    def encode(cls, value: uuid.UUID | None) -> bytes:
        return (value or NO_ID).bytes

    @classmethod
    def decode(cls, data: BytesIO) -> uuid.UUID:
        raw = data.read(16)
        if len(raw) != 16:
            raise ValueError("Buffer underrun decoding a UUID")
        return uuid.UUID(bytes=raw)


class _MetadataResponse_v12(Response):
    API_KEY = 3
    API_VERSION = 12
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "brokers",
            CompactArray(
                ("node_id", Int32),
                ("host", CompactString("utf-8")),
                ("port", Int32),
                ("rack", CompactString("utf-8")),
                ("tags", TaggedFields),
            ),
        ),
        ("cluster_id", CompactString("utf-8")),
        ("controller_id", Int32),
        (
            "topics",
            CompactArray(
                ("error_code", Int16),
                ("name", CompactString("utf-8")),
                ("topic_id", _Uuid),
                ("is_internal", Boolean),
                (
                    "partitions",
                    CompactArray(
                        ("error_code", Int16),
                        ("partition_index", Int32),
                        ("leader_id", Int32),
                        ("leader_epoch", Int32),
                        ("replica_nodes", CompactArray(Int32)),
                        ("isr_nodes", CompactArray(Int32)),
                        ("offline_replicas", CompactArray(Int32)),
                        ("tags", TaggedFields),
                    ),
                ),
                ("topic_authorized_operations", Int32),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _MetadataRequest_v12(RequestStruct):
    FLEXIBLE_VERSION = True
    API_KEY = 3
    API_VERSION = 12
    RESPONSE_TYPE = _MetadataResponse_v12
    SCHEMA = Schema(
        ("topics", CompactArray(("topic_id", _Uuid), ("name", CompactString("utf-8")), ("tags", TaggedFields))),
        ("allow_auto_topic_creation", Boolean),
        ("include_topic_authorized_operations", Boolean),
        ("tags", TaggedFields),
    )


class _TopicMetadataRequest(Request[_MetadataRequest_v12]):
    API_KEY = 3

    def __init__(self, names: list[str]):
        self.names = names

    def build(self, request_struct_class: type[_MetadataRequest_v12]) -> _MetadataRequest_v12:
        # Never auto-create: a missing topic is reported missing, and created with the platform's settings.
        return request_struct_class([(None, name, {}) for name in self.names], False, False, {})


@dataclass(frozen=True, slots=True)
class TopicState:
    topic_id: uuid.UUID | None  # None: the broker gives no ids
    partitions: int


async def describe_topics(client: AIOKafkaClient, names: list[str]) -> dict[str, TopicState | None]:
    """Each topic's id and partition count; None for a topic the broker does not have."""
    node = client.get_random_node()
    if node is None:
        raise ConnectionError("no broker known")
    answer = await client.send(node, _TopicMetadataRequest(names))
    found: dict[str, TopicState | None] = dict.fromkeys(names)
    for error_code, name, topic_id, _internal, partitions, _ops, _tags in answer.topics:
        if error_code == UNKNOWN_TOPIC or name not in found:
            continue
        if error_code != 0:
            raise ConnectionError(f"metadata of {name}: error {error_code}")
        found[name] = TopicState(None if topic_id == NO_ID else topic_id, len(partitions))
    return found
