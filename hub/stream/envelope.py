"""CloudEvents 1.0 in Kafka headers (binary content mode): the envelope of every message the hub writes.

The value stays the bare payload (compact JSON-LD for entity topics, the verbatim record for raw topics), so a
consumer that ignores headers still reads plain JSON; the attributes travel as ``ce_*`` headers, as the
CloudEvents Kafka protocol binding specifies. A small typed module rather than the ``cloudevents`` SDK: the hot
path only needs to write a dozen byte strings per message, and the SDK would add a copy of every value.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal

from hub.errors import StreamError

__all__ = [
    "CONTENT_TYPE_HEADER",
    "EVENT_TYPE_PREFIX",
    "JSON",
    "JSONLD",
    "SPEC_VERSION",
    "Action",
    "CloudEvent",
    "EventStamper",
    "entity_of_event_type",
    "event_type",
    "header_map",
]

SPEC_VERSION: Final = "1.0"
EVENT_TYPE_PREFIX: Final = "org.citsci.hub"
CONTENT_TYPE_HEADER: Final = "content-type"
JSONLD: Final = "application/ld+json"
JSON: Final = "application/json"
_PREFIX: Final = "ce_"
_REQUIRED: Final = ("specversion", "id", "source", "type")
_KNOWN: Final = frozenset({*_REQUIRED, "subject", "time", "dataschema"})

Action = Literal["upserted", "deleted"]

# Event types name one record, so the plural topic names become singular nouns.
_SINGULAR: Final = {
    "projects": "project",
    "organisations": "organisation",
    "platforms": "platform",
    "datasets": "dataset",
    "links": "link",
    "contributions": "contribution",
    "statistics": "statistics",
}
_PLURAL: Final = {singular: plural for plural, singular in _SINGULAR.items()}


def event_type(entity: str, action: Action) -> str:
    """The CloudEvents type of a change to an entity, e.g. ``org.citsci.hub.project.upserted``.

    Raises:
        StreamError: ``entity`` is not a hub entity type.
    """
    try:
        return f"{EVENT_TYPE_PREFIX}.{_SINGULAR[entity]}.{action}"
    except KeyError:
        raise StreamError(f"unknown entity type {entity!r}; expected one of {sorted(_SINGULAR)}") from None


def entity_of_event_type(type_: str) -> tuple[str, str] | None:
    """The (entity type, action) an entity event type names, or None for other hub events."""
    parts = type_.rsplit(".", 2)
    if len(parts) != 3 or parts[0] != EVENT_TYPE_PREFIX or parts[1] not in _PLURAL:
        return None
    return _PLURAL[parts[1]], parts[2]


def header_map(headers: Iterable[tuple[str, bytes]] | None) -> dict[str, str]:
    """Kafka headers as a ``{name: text}`` dict (the last one wins, as in HTTP)."""
    return {name: value.decode() for name, value in headers or () if value is not None}


@dataclass(frozen=True, slots=True)
class CloudEvent:
    """The CloudEvents context attributes of one Kafka message.

    Attributes:
        source: who produced the event, e.g. ``/connectors/zooniverse-main``.
        type: what happened, e.g. ``org.citsci.hub.project.upserted``.
        subject: what it happened to: the record IRI (or native id on raw and dead-letter topics).
        datacontenttype: media type of the value.
        dataschema: the JSON-LD context version the value follows.
        extensions: extension attributes (lowercase alphanumeric names), e.g. ``contenthash``.
        id: unique per event and source.
        time: when the event was produced (UTC).
    """

    source: str
    type: str
    subject: str | None = None
    datacontenttype: str = JSONLD
    dataschema: str | None = None
    extensions: Mapping[str, str] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers in CloudEvents binary content mode."""
        headers = [
            ("ce_specversion", SPEC_VERSION.encode()),
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", _format_time(self.time)),
            (CONTENT_TYPE_HEADER, self.datacontenttype.encode()),
        ]
        if self.subject is not None:
            headers.append(("ce_subject", self.subject.encode()))
        if self.dataschema is not None:
            headers.append(("ce_dataschema", self.dataschema.encode()))
        headers.extend((_PREFIX + name, value.encode()) for name, value in self.extensions.items())
        return headers

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, bytes]] | None) -> CloudEvent:
        """Read the attributes back from a message's headers.

        Raises:
            StreamError: a required attribute is missing or the spec version is not 1.0.
        """
        values = header_map(headers)
        attributes = {name[len(_PREFIX) :]: value for name, value in values.items() if name.startswith(_PREFIX)}
        missing = [name for name in _REQUIRED if name not in attributes]
        if missing:
            raise StreamError(f"not a CloudEvents message: headers lack {['ce_' + m for m in missing]}")
        if attributes["specversion"] != SPEC_VERSION:
            raise StreamError(f"unsupported CloudEvents specversion {attributes['specversion']!r}; expected 1.0")
        time = attributes.get("time")
        return cls(
            id=attributes["id"],
            source=attributes["source"],
            type=attributes["type"],
            subject=attributes.get("subject"),
            datacontenttype=values.get(CONTENT_TYPE_HEADER, JSON),
            dataschema=attributes.get("dataschema"),
            time=datetime.fromisoformat(time) if time else datetime.now(UTC),
            extensions={name: value for name, value in attributes.items() if name not in _KNOWN},
        )


def _format_time(when: datetime) -> bytes:
    return when.isoformat().replace("+00:00", "Z").encode()


class EventStamper:
    """The headers of the events one source writes in one batch, with what they share encoded once.

    `CloudEvent.to_headers` per message builds a dataclass, a UUID, a timestamp and a dozen byte strings; in a
    batch of thousands of records most of that is the same each time. One stamper per batch takes the time once
    (the events of one transaction are produced together), encodes the source, types and media types once, and
    numbers its events after one random prefix, so ids stay unique per source without a UUID per event. The
    headers are the same names, in the same order, as `CloudEvent.to_headers` writes.

    Args:
        source: the CloudEvents ``source`` of every event of the batch.
        time: when the events were produced; now by default.
    """

    __slots__ = ("_encoded", "_ids", "_prefix", "_source", "_time")

    _SPEC: Final = ("ce_specversion", SPEC_VERSION.encode())

    def __init__(self, source: str, *, time: datetime | None = None) -> None:
        self._source = ("ce_source", source.encode())
        self._time = ("ce_time", _format_time(time or datetime.now(UTC)))
        self._prefix = uuid.uuid4().hex + "-"
        self._ids = itertools.count()
        # Types, media types and context IRIs: a handful of values per batch, each encoded once.
        self._encoded: dict[str, bytes] = {}

    def _constant(self, text: str) -> bytes:
        encoded = self._encoded.get(text)
        if encoded is None:
            encoded = self._encoded[text] = text.encode()
        return encoded

    def headers(
        self,
        type_: str,
        *,
        subject: str | None,
        datacontenttype: str = JSONLD,
        dataschema: str | None = None,
        extensions: Iterable[tuple[str, str]] = (),
    ) -> list[tuple[str, bytes]]:
        """The headers of the batch's next event (extension names without the ``ce_`` prefix)."""
        headers = [
            self._SPEC,
            ("ce_id", f"{self._prefix}{next(self._ids)}".encode()),
            self._source,
            ("ce_type", self._constant(type_)),
            self._time,
            (CONTENT_TYPE_HEADER, self._constant(datacontenttype)),
        ]
        if subject is not None:
            headers.append(("ce_subject", subject.encode()))
        if dataschema is not None:
            headers.append(("ce_dataschema", self._constant(dataschema)))
        headers.extend((_PREFIX + name, value.encode()) for name, value in extensions)
        return headers
