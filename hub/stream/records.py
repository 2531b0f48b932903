"""The messages the hub writes: normalised records, deletions, verbatim records and dead letters.

Every message is a CloudEvent in binary mode (see :mod:`hub.stream.envelope`). Extension attributes the hub adds:

- ``ce_contenthash``: the normalised content hash (entity topics) or the hash of the verbatim bytes (raw topics),
  so change detection can be rebuilt from the compacted topics on start;
- ``ce_rawkey``: on entity topics, the raw-topic key of the verbatim record the entity came from;
- ``ce_platform``, ``ce_kind``, ``ce_nativeid``, ``ce_sourceurl``: where a raw record or dead letter came from;
- ``ce_connector``, ``ce_errorkind``, ``ce_errormessage``: on dead letters, who failed and why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple, Protocol

import orjson

from hub.config import HubSettings, StreamSettings
from hub.schema.base import CONTEXT_URL, EntityTopic
from hub.stream.envelope import JSON, CloudEvent, EventStamper, event_type
from hub.stream.publisher import OutgoingMessage
from hub.stream.topics import dlq_topic, entity_topic, raw_topic

__all__ = [
    "DEAD_LETTER_TYPE",
    "RAW_TYPE",
    "MappedModel",
    "Publishable",
    "RawLike",
    "connector_source",
    "dead_letter_message",
    "dead_letter_signature",
    "deletion_messages",
    "raw_key",
    "raw_message",
    "upsert_message",
]

RAW_TYPE = "org.citsci.hub.raw.fetched"
DEAD_LETTER_TYPE = "org.citsci.hub.record.deadlettered"
# Kafka header values are bytes without a size limit, but a dead letter's message should stay readable.
_MAX_ERROR_MESSAGE = 2000


class MappedModel(NamedTuple):
    """One normalised record, serialised: what its upsert message needs, and no model.

    A named tuple, so that it crosses between processes (`hub.stream.map_pool`) at the cost of a tuple.

    Attributes:
        entity: its entity topic (``HubModel.ENTITY``).
        iri: its stable IRI.
        key: the Kafka key (``HubModel.partition_key``).
        value: compact JSON-LD bytes.
        content_hash: the hash change detection compares.
    """

    entity: str
    iri: str
    key: str
    value: bytes
    content_hash: str


class Publishable(Protocol):
    """What the stream needs of a hub model (``hub.schema.HubModel`` satisfies it)."""

    ENTITY: ClassVar[EntityTopic]

    @property
    def iri(self) -> str:
        """The record's stable IRI."""
        ...

    def partition_key(self) -> str:
        """The Kafka key: the IRI, or the project IRI for contributions."""
        ...

    def to_jsonld_bytes(self) -> bytes:
        """Compact JSON-LD."""
        ...

    def content_hash(self) -> str:
        """Hash of the normalised content."""
        ...

    def jsonld_and_hash(self) -> tuple[bytes, str]:
        """``to_jsonld_bytes`` and ``content_hash`` together, from one serialisation."""
        ...


class RawLike(Protocol):
    """What the stream needs of a verbatim record (``hub.connectors.RawRecord`` satisfies it)."""

    @property
    def platform(self) -> str:
        """Platform slug."""
        ...

    @property
    def kind(self) -> str:
        """Record kind, e.g. project."""
        ...

    @property
    def native_id(self) -> str:
        """The platform's immutable id."""
        ...

    @property
    def payload(self) -> Mapping[str, Any]:
        """The verbatim record."""
        ...

    @property
    def source_url(self) -> str:
        """Where it was fetched from."""
        ...


def connector_source(connector_name: str) -> str:
    """The CloudEvents ``source`` of everything one connector publishes."""
    return f"/connectors/{connector_name}"


def raw_key(kind: str, native_id: str) -> str:
    """The raw-topic key of a record: kinds share a platform's raw topic, so the kind is part of the key."""
    return f"{kind}:{native_id}"


def payload_bytes(record: RawLike) -> bytes:
    """The verbatim payload as JSON bytes (key order kept as received)."""
    return orjson.dumps(record.payload)


def bytes_hash(data: bytes) -> str:
    """The hash stored for verbatim bytes."""
    return hashlib.sha256(data).hexdigest()


def upsert_message(
    settings: StreamSettings | HubSettings,
    model: MappedModel,
    *,
    events: EventStamper,
    dataschema: str,
    raw: str | None = None,
) -> OutgoingMessage:
    """The ``<entity>.upserted`` message of a normalised record (serialised by `hub.stream.mapped`) on its topic."""
    extensions = [("contenthash", model.content_hash)]
    if raw is not None:
        extensions.append(("rawkey", raw))
    return OutgoingMessage(
        topic=entity_topic(settings, model.entity),
        key=model.key.encode(),
        value=model.value,
        headers=events.headers(
            event_type(model.entity, "upserted"), subject=model.iri, dataschema=dataschema, extensions=extensions
        ),
    )


def deletion_messages(
    settings: StreamSettings | HubSettings, entity: str, iri: str, *, source: str, dataschema: str
) -> list[OutgoingMessage]:
    """A ``<entity>.deleted`` event and the tombstone after it, both keyed by the IRI.

    The deleted event's value is a minimal JSON-LD node (``{"@context": ..., "id": iri}``) so that consumers that
    act on values see which record went; the tombstone that follows lets compaction forget the record.
    """
    topic = entity_topic(settings, entity)
    event = CloudEvent(source=source, type=event_type(entity, "deleted"), subject=iri, dataschema=dataschema)
    tombstone = CloudEvent(source=source, type=event_type(entity, "deleted"), subject=iri, dataschema=dataschema)
    key = iri.encode()
    return [
        OutgoingMessage(topic, key, orjson.dumps({"@context": CONTEXT_URL, "id": iri}), event.to_headers()),
        OutgoingMessage(topic, key, None, tombstone.to_headers()),
    ]


def raw_message(
    settings: StreamSettings | HubSettings, record: RawLike, *, events: EventStamper, data: bytes, digest: str
) -> OutgoingMessage:
    """A verbatim record on its platform's raw topic, keyed by ``{kind}:{native id}``; ``digest`` is `bytes_hash`."""
    headers = events.headers(
        RAW_TYPE,
        subject=record.native_id,
        datacontenttype=JSON,
        extensions=(
            ("contenthash", digest),
            ("platform", record.platform),
            ("kind", record.kind),
            ("nativeid", record.native_id),
            ("sourceurl", record.source_url),
        ),
    )
    return OutgoingMessage(
        topic=raw_topic(settings, record.platform),
        key=raw_key(record.kind, record.native_id).encode(),
        value=data,
        headers=headers,
    )


def raw_tombstone(settings: StreamSettings | HubSettings, platform: str, key: str) -> OutgoingMessage:
    """Forget a verbatim record (its entity was deleted on the platform), so re-derivation does not revive it."""
    return OutgoingMessage(topic=raw_topic(settings, platform), key=key.encode(), value=None)


def dead_letter_message(
    settings: StreamSettings | HubSettings,
    record: RawLike,
    *,
    connector: str,
    error_kind: str,
    error_message: str,
    data: bytes | None = None,
) -> OutgoingMessage:
    """A record that failed mapping or validation, with why, on the dead-letter topic."""
    value = data if data is not None else payload_bytes(record)
    event = CloudEvent(
        source=connector_source(connector),
        type=DEAD_LETTER_TYPE,
        subject=record.native_id,
        datacontenttype=JSON,
        extensions={
            "contenthash": dead_letter_signature(value, error_message),
            "connector": connector,
            "errorkind": error_kind,
            "errormessage": error_message[:_MAX_ERROR_MESSAGE],
            "sourceurl": record.source_url,
            "platform": record.platform,
            "kind": record.kind,
            "nativeid": record.native_id,
        },
    )
    return OutgoingMessage(
        topic=dlq_topic(settings),
        key=raw_key(record.kind, record.native_id).encode(),
        value=value,
        headers=event.to_headers(),
    )


def dead_letter_signature(data: bytes, error_message: str) -> str:
    """What identifies one failure of one verbatim record: its bytes and the error (a new error is news)."""
    return bytes_hash(data + b"\x00" + error_message[:_MAX_ERROR_MESSAGE].encode())
