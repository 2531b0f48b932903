"""One verbatim record mapped and serialised: the CPU-bound part of normalising, as plain bytes and strings.

`map_and_serialise` runs a connector's ``map`` on one record and turns each model into what its Kafka message
needs (entity, IRI, key, JSON-LD value, content hash), or, when mapping or validation fails, into the dead-letter
reason. Its result holds no model, so it costs little to send between processes: the same function serves the
event loop's own mapping and the worker processes of :mod:`hub.stream.map_pool`, and the normaliser turns either
into messages in the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

from pydantic import ValidationError

from hub.errors import RecordTooLargeError, SchemaError, SkippableRecordError
from hub.stream.records import MappedModel, Publishable, RawLike, bytes_hash, payload_bytes

__all__ = ["MAX_VALUE_BYTES", "MappedModel", "MappedRecord", "classify_error", "map_and_serialise"]

# Kafka refuses messages over about 1 MiB (broker message.max.bytes, client max_request_size); headers need room.
MAX_VALUE_BYTES = 900 * 1024

R = TypeVar("R", bound=RawLike)


def classify_error(exc: Exception) -> str:
    """The dead-letter ``errorkind`` of a failure: ``mapping``, ``validation``, ``too_large`` or ``unexpected``."""
    if isinstance(exc, RecordTooLargeError):
        return "too_large"
    if isinstance(exc, SkippableRecordError):
        return "mapping"
    if isinstance(exc, SchemaError | ValidationError):
        return "validation"
    return "unexpected"


class MappedRecord(NamedTuple):
    """What one verbatim record gives: its bytes, and its models or why it has none (a tuple, like `MappedModel`).

    Attributes:
        data: the verbatim payload as JSON bytes (``payload_bytes``).
        digest: ``bytes_hash(data)``, the raw topic's change detection.
        models: the normalised records; empty when ``error_kind`` is set.
        error_kind: ``classify_error`` of the failure, or None when the record mapped.
        error_message: ``"<ExceptionType>: <message>"`` of the failure, or None.
    """

    data: bytes
    digest: str
    models: tuple[MappedModel, ...] = ()
    error_kind: str | None = None
    error_message: str | None = None


def _serialise(model: Publishable) -> MappedModel:
    value, content_hash = model.jsonld_and_hash()
    if len(value) > MAX_VALUE_BYTES:
        raise RecordTooLargeError(f"normalised record {model.iri!r} is {len(value)} bytes, more than {MAX_VALUE_BYTES}")
    return MappedModel(model.ENTITY, model.iri, model.partition_key(), value, content_hash)


def map_and_serialise(
    map_record: Callable[[R], Sequence[Publishable]], record: R, data: bytes | None = None
) -> MappedRecord:
    """Map ``record`` and serialise its models; a failure is caught and described, never raised.

    A connector bug in one record must not stop a sync: whatever ``map`` raises becomes the record's dead-letter
    reason (see `classify_error`). ``data`` is ``payload_bytes(record)`` when the caller has it already.
    """
    if data is None:
        data = payload_bytes(record)
    digest = bytes_hash(data)
    try:
        models = tuple(_serialise(model) for model in map_record(record))
    except Exception as exc:  # noqa: BLE001 - kept as the record's dead letter, with its reason
        return MappedRecord(data, digest, error_kind=classify_error(exc), error_message=f"{type(exc).__name__}: {exc}")
    return MappedRecord(data, digest, models)
