"""The connector contract: what a platform module provides and what the stream layer may rely on.

A connector has two jobs and nothing else: ``fetch`` pages of verbatim platform records, each batch with the
cursor after it, and ``map`` one verbatim record to hub models. Timeouts, rate limits, retries, conditional
requests and paging live in :mod:`hub.connectors._http`, so a platform module is only its endpoints and its
mapping.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from hub.connectors._http import HostPolicy, HttpClient
from hub.errors import SkippableRecordError

if TYPE_CHECKING:
    from hub.schema.base import HubModel

__all__ = [
    "UNPARSED_KEY",
    "Batch",
    "Clock",
    "Connector",
    "ConnectorConfig",
    "Pseudonymiser",
    "RawRecord",
    "SyncMode",
    "skip_idle",
    "unparsed_payload",
    "utc_now",
]

SyncMode = Literal["incremental", "snapshot"]

# A record whose payload could not even be decoded still travels as a RawRecord, so that the sync goes on and
# ``map`` turns it into a SkippableRecordError (dead letter) with the reason kept here.
UNPARSED_KEY = "_hub_unparsed"


def unparsed_payload(text: str, reason: str) -> dict[str, Any]:
    """Wrap platform text that did not decode, for ``map`` to dead-letter with ``reason``.

    Args:
        text: the verbatim text as received (truncated by the caller if huge).
        reason: what was wrong and where, e.g. ``"annotations: JSON does not parse at char 12"``.
    """
    return {UNPARSED_KEY: {"text": text, "reason": reason}}


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One platform record, verbatim.

    Attributes:
        platform: platform slug used in IRIs, e.g. ``"zooniverse"``.
        kind: ``project``, ``organisation``, ``workflow``, ``classification``, ``statistics``, ...
        native_id: the platform's immutable id of the record (never a slug or a name).
        payload: the record as the platform sent it (JSON-able); see :func:`unparsed_payload`.
        source_url: where it came from, without credentials.
    """

    platform: str
    kind: str
    native_id: str
    payload: Mapping[str, Any]
    source_url: str


@dataclass(frozen=True, slots=True)
class Batch:
    """Records and the cursor after them, to be committed together.

    Attributes:
        records: the records of this batch, possibly none (a cursor-only batch, e.g. after a 304).
        cursor: opaque JSON text, the position after these records; ``None`` means "start from scratch".
        snapshot_complete: snapshot mode only: set on the last batch when the whole platform listing was seen in
            this run, so the stream layer may mark and sweep (:func:`hub.connectors.sweep.plan_sweep`).
    """

    records: Sequence[RawRecord]
    cursor: str | None
    snapshot_complete: bool = False


async def skip_idle(batches: AsyncIterator[Batch], cursor: str | None) -> AsyncIterator[Batch]:
    """Pass ``batches`` through, leaving out empty ones that move the cursor nowhere.

    A sync of an unchanged platform then yields nothing at all, rather than empty transactions.
    """
    last = cursor
    async for batch in batches:
        if batch.records or batch.snapshot_complete or batch.cursor != last:
            last = batch.cursor
            yield batch


def _skipping_idle(
    fetch: Callable[[Connector, str | None], AsyncIterator[Batch]],
) -> Callable[[Connector, str | None], AsyncIterator[Batch]]:
    """``fetch`` with :func:`skip_idle` applied to what it yields (names, docstring and ``@override`` kept)."""

    @functools.wraps(fetch)
    async def fetch_skipping_idle(self: Connector, cursor: str | None) -> AsyncIterator[Batch]:
        async for batch in skip_idle(fetch(self, cursor), cursor):
            yield batch

    return fetch_skipping_idle


class Pseudonymiser(Protocol):
    """Turns a platform user id (or a logged-out session) into a pseudonymous contributor IRI.

    ``hub.schema.anonymise.Pseudonymiser`` is the implementation.
    """

    def agent_iri(self, platform: str, user_id: str) -> str:
        """The contributor IRI for ``user_id`` on ``platform``."""
        ...

    def session_agent_iri(self, platform: str, session_id: str) -> str:
        """The contributor IRI of one logged-out session on ``platform`` (never that of a user id)."""
        ...


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the default :data:`Clock`)."""
    return datetime.now(UTC)


class ConnectorConfig(BaseModel):
    """Base of every connector's configuration: frozen, unknown keys refused, secrets as ``SecretStr``.

    The knobs here are the ones the framework acts on; a platform adds its own fields in a subclass.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: HttpUrl = Field(description="Root of the platform's API, e.g. https://www.zooniverse.org/api/.")
    page_size: int = Field(100, ge=1, le=1000, description="Records asked for per page.")
    requests_per_second: float = Field(4.0, gt=0, le=1000, description="Request budget per host.")
    max_concurrency: int = Field(4, ge=1, le=64, description="Requests in flight at once per host.")
    timeout_s: float = Field(30.0, gt=0, le=600, description="Total time allowed for one request.")
    max_retries: int = Field(5, ge=0, le=20, description="Retries of a retriable failure before giving up.")
    backoff_base_s: float = Field(0.5, ge=0, le=60, description="First backoff; doubles per retry, jittered.")
    backoff_max_s: float = Field(60.0, ge=0, le=3600, description="Longest single wait, Retry-After included.")
    max_response_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="Largest JSON page read into memory; streamed files are exempt."
    )
    max_delete_share: float = Field(
        0.2, ge=0, le=1, description="Largest share of known records one snapshot sweep may delete."
    )

    def host_policy(self) -> HostPolicy:
        """The HTTP limits these settings ask for, for :class:`~hub.connectors._http.HttpClient`."""
        return HostPolicy(
            requests_per_second=self.requests_per_second,
            max_concurrency=self.max_concurrency,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            backoff_base_s=self.backoff_base_s,
            backoff_max_s=self.backoff_max_s,
            max_response_bytes=self.max_response_bytes,
        )


class Connector(abc.ABC):
    """Pulls records from one external platform.

    Subclasses set the class variables, implement :meth:`fetch` and :meth:`map`, and are registered under the
    ``hub.connectors`` entry-point group with :attr:`name` as the entry-point name.

    The framework wraps every ``fetch`` a subclass defines in :func:`skip_idle`, so a connector yields whatever
    its walk sees and an idle batch (no records, the same cursor) never reaches the stream layer.
    """

    name: ClassVar[str]
    platform: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]
    sync_mode: ClassVar[SyncMode]
    #: ``map`` depends on the config and the record alone, so worker processes may run it
    #: (``HUB_STREAM__MAP_WORKERS``, :mod:`hub.stream.map_pool`): set by the high-volume connector types.
    maps_in_workers: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fetch = cls.__dict__.get("fetch")
        if fetch is not None and not getattr(fetch, "__isabstractmethod__", False):
            cls.fetch = _skipping_idle(fetch)  # type: ignore[method-assign,assignment]

    @classmethod
    def platform_of(cls, config: ConnectorConfig) -> str:
        """The platform an instance with ``config`` harvests; a type that serves many portals reads its config."""
        del config  # one platform per type, unless a subclass says otherwise
        return cls.platform

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        http: HttpClient,
        pseudonymiser: Pseudonymiser | None = None,
        clock: Clock = utc_now,
    ) -> None:
        if not isinstance(config, self.config_model):
            raise TypeError(f"{type(self).__name__} needs a {self.config_model.__name__}, got {type(config).__name__}")
        self.config = config
        # A type that serves many portals (declarative, ppsr-feed) takes this instance's platform (raw topic, IRIs)
        # from its config; for the others this is the class's own.
        self.platform = self.platform_of(config)  # type: ignore[misc]
        self.http = http
        self.pseudonymiser = pseudonymiser
        self.clock = clock
        http.configure_host(str(config.base_url), config.host_policy())

    @abc.abstractmethod
    def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        """Yield batches of records after ``cursor`` (``None``: from the beginning), each with its new cursor.

        Raises:
            RetriableConnectorError: the platform failed passingly and retries ran out; resume from the last cursor.
            FatalConnectorError: retrying cannot help (bad credentials, a 4xx); the message says what to fix.
        """

    @abc.abstractmethod
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        """Map one verbatim record to hub models.

        Raises:
            SkippableRecordError: this record cannot be mapped; it goes to the dead-letter topic with the reason.
        """

    def skip(self, record: RawRecord, reason: str) -> SkippableRecordError:
        """A :class:`SkippableRecordError` naming this connector, the record and ``reason``, to ``raise``."""
        return SkippableRecordError(
            f"{record.kind} {record.native_id!r} from {record.source_url}: {reason}", connector=self.name
        )

    def require_parsed(self, record: RawRecord) -> Mapping[str, Any]:
        """The record's payload, or a :class:`SkippableRecordError` when the payload did not decode at fetch time."""
        unparsed = record.payload.get(UNPARSED_KEY)
        if isinstance(unparsed, Mapping):
            raise self.skip(record, str(unparsed.get("reason", "payload did not decode")))
        return record.payload
