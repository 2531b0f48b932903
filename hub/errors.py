"""Every exception the hub raises, branched by what the caller should do about it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ConfigError",
    "ConnectorError",
    "DumpError",
    "FatalConnectorError",
    "HubError",
    "KafkaDeployError",
    "KafkaSecurityError",
    "OutboundRefusedError",
    "QueryRefusedError",
    "RecordTooLargeError",
    "RecordValidationError",
    "RetriableConnectorError",
    "SchemaError",
    "SecretsKeyError",
    "SkippableRecordError",
    "StoreLockedError",
    "StreamError",
    "SweepRefused",
]


class HubError(Exception):
    """Root of every hub error."""


class ConfigError(HubError):
    """Settings or a connector configuration are invalid; nothing was started.

    Attributes:
        errors: pydantic-style error dicts (``loc``, ``msg``, ``input``) when the cause was a validation.
    """

    def __init__(self, message: str, *, errors: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


class SecretsKeyError(ConfigError):
    """A connector secret cannot be encrypted or decrypted: no key, a bad key, or a key the hub does not hold."""


class OutboundRefusedError(ConfigError):
    """A connector URL points at an address connectors may not reach (loopback, private, metadata...)."""


class KafkaDeployError(HubError):
    """The local Apache Kafka broker could not be fetched, formatted, started or stopped."""


class SchemaError(HubError):
    """A record does not fit the hub's shared standard (models or JSON-LD context)."""


class RecordValidationError(SchemaError):
    """A record's fields do not validate against a hub model.

    Attributes:
        errors: one dict per problem: ``loc`` (JSON path such as ``$.contactPoint[0].meansOfContact``), ``msg`` and
            ``input`` (the offending value).
    """

    def __init__(self, message: str, *, errors: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


class StreamError(HubError):
    """Publishing to or reading from Kafka failed."""


class RecordTooLargeError(StreamError):
    """One record is larger than a Kafka message may be; it is dead-lettered, not published."""


class ConnectorError(HubError):
    """A connector failed; the subclass says whether to retry, stop the run, or skip one record."""

    def __init__(self, message: str, *, connector: str) -> None:
        super().__init__(message)
        self.connector = connector


class RetriableConnectorError(ConnectorError):
    """A passing failure (429, 5xx, timeout): back off and try again."""


class FatalConnectorError(ConnectorError):
    """A failure retrying cannot fix (401, 403, other 4xx, bad config): stop this run."""


class SkippableRecordError(ConnectorError):
    """One record cannot be mapped: dead-letter it with its reason and go on with the sync."""


class SweepRefused(HubError):
    """A snapshot sweep would delete more than the configured share of the records; nothing was deleted.

    Attributes:
        to_delete: how many records the sweep would have deleted.
        known: how many records were known before the snapshot.
        max_share: the configured ``max_delete_share``.
    """

    def __init__(self, message: str, *, to_delete: int, known: int, max_share: float) -> None:
        super().__init__(message)
        self.to_delete = to_delete
        self.known = known
        self.max_share = max_share


class DumpError(HubError):
    """The materialised store, a dump or the link matcher failed (a store that cannot be opened, a bad record)."""


class StoreLockedError(DumpError):
    """The RDF store is open in another process (``hub up`` or ``hub materialise``), which must be asked instead."""


class QueryRefusedError(DumpError):
    """A SPARQL request the hub will not run or answer; nothing was executed, or the execution was abandoned.

    Attributes:
        reason: ``syntax``, ``update``, ``service``, ``too_many_results``, ``timeout``, ``format`` (no acceptable
            result format), ``media_type`` (a request body the protocol does not define) or ``store`` (the
            store failed).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class KafkaSecurityError(HubError):
    """A Kafka user or its ACLs could not be created, changed or removed."""
