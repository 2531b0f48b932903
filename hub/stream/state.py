"""The hub's state, kept in compacted Kafka topics and read into memory (as Kafka Connect keeps its configs).

A ``StateTable`` reads its topic from the beginning to the end on ``start()`` (read_committed), serves reads
from memory, and writes by key with an idempotent ``acks=all`` producer; a ``None`` value writes a tombstone.
The records it holds are the pydantic models below; writers that need a record inside a larger transaction (the
sync pipeline writes its cursor with its batch) use ``encode_state`` and send it themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import structlog
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import StreamError
from hub.stream.consume import assign_all, open_transaction_ends, read_to_end
from hub.stream.kafka import KafkaClients

__all__ = [
    "BackfillMark",
    "ConnectorRecord",
    "CursorRecord",
    "DlqReplayed",
    "PartnerSubscription",
    "StateTable",
    "StatusRecord",
    "decode_state",
    "encode_state",
]

log = structlog.get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class _StateModel(BaseModel):
    # Unknown fields are kept, not refused: a newer hub may have added optional fields an older one still reads.
    model_config = ConfigDict(frozen=True, extra="allow")


class ConnectorRecord(_StateModel):
    """A configured connector, keyed by ``name`` in the connectors topic."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    type: str = Field(min_length=1, description="Entry-point name of the connector type, e.g. zooniverse.")
    config: dict[str, Any] = Field(default_factory=dict)
    schedule_interval_s: float | None = Field(None, gt=0)
    cron: str | None = None
    paused: bool = False
    owner: str | None = None
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class CursorRecord(_StateModel):
    """Where a connector's next sync resumes, keyed by connector name in the cursors topic.

    Written in the same transaction as the batch it follows, so it never runs ahead of (or behind) what was
    published.

    Attributes:
        cursor: the connector's opaque cursor after the last published batch (None: start from scratch).
        sweep_seen: only in cursor records of hubs from before the per-connector state topic: the sweep marks
            then kept here (this record grew with the platform and passed Kafka's 1 MB limit near 80,000 records).
            The marks now live in the connector's state topic (``hub.stream.sync_state``); a sync that finds some
            here carries them over there, and writes this field empty.
        sweep_failed: likewise, the raw keys dead-lettered in that sweep.
        batches: batches committed so far by this connector (a consistency check for tests and operators).
        records: raw records committed so far by this connector.
    """

    connector: str
    cursor: str | None = None
    updated_at: datetime = Field(default_factory=_now)
    sweep_seen: list[str] = Field(default_factory=list)
    sweep_failed: list[str] = Field(default_factory=list)
    batches: int = 0
    records: int = 0


class StatusRecord(_StateModel):
    """The outcome of a connector's last sync, keyed by connector name in the status topic."""

    connector: str
    state: str = Field(description="running, succeeded, failed or cancelled.")
    started_at: datetime | None = None
    finished_at: datetime | None = None
    fetched: int = 0
    published: int = 0
    unchanged: int = 0
    deleted: int = 0
    dead_lettered: int = 0
    error: str | None = None
    updated_at: datetime = Field(default_factory=_now)


class PartnerSubscription(_StateModel):
    """A partner's named filter, keyed by ``{partner}/{name}`` in the partners topic.

    Empty lists match everything; a record matches when it matches every non-empty list (any value within one
    list). ``keywords`` match case-insensitively against the record's keywords, title and description.
    """

    partner: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    entity_types: list[str] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    science_types: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)

    @property
    def key(self) -> str:
        """The key the subscription is stored under."""
        return f"{self.partner}/{self.name}"


V = TypeVar("V", bound=BaseModel)


def encode_state(value: BaseModel | None) -> bytes | None:
    """The bytes a state record is stored as (None stays None: a tombstone)."""
    return None if value is None else value.model_dump_json().encode()


def decode_state(model: type[V], raw: bytes, *, where: str) -> V:
    """Parse a stored state record.

    Raises:
        StreamError: the bytes are not a valid ``model``; ``where`` says which topic and key.
    """
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise StreamError(f"invalid {model.__name__} at {where}: {exc}") from exc


class BackfillMark(_StateModel):
    """The partner router's note that one entity-topic partition was backfilled for a subscription's filter.

    Kept in the status topic under ``router/{partner}/{name}/{topic}/{partition}``; a filter whose fingerprint
    differs from the mark's is backfilled again.
    """

    fingerprint: str
    updated_at: datetime = Field(default_factory=_now)


class DlqReplayed(_StateModel):
    """The note that a dead letter was replayed, keyed by ``dlq/<partition>:<offset>`` in the status topic."""

    connector: str
    replayed_at: datetime = Field(default_factory=_now)


class StateTable(Generic[V]):
    """A compacted topic read into memory: the latest value per key.

    ``key_filter`` keeps only the keys it accepts (topics such as the status topic hold more than one kind).

    Example:
        async with StateTable(kafka, internal_topic(settings, "cursors"), CursorRecord) as cursors:
            record = cursors.get("zooniverse-main")
    """

    def __init__(
        self,
        kafka: KafkaClients,
        topic: str,
        model: type[V],
        *,
        timeout_s: float = 60.0,
        key_filter: Callable[[str], bool] | None = None,
    ) -> None:
        self._key_filter = key_filter
        self._kafka = kafka
        self.topic = topic
        self._model = model
        self._timeout_s = timeout_s
        self._values: dict[str, V] = {}
        self._consumer: Any = None
        self._tps: list[TopicPartition] = []
        self._producer: AIOKafkaProducer | None = None
        self._writer_lock = asyncio.Lock()
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Read the topic from the beginning to its end (idempotent)."""
        if self._consumer is not None:
            return
        consumer = self._kafka.committed_consumer()
        try:
            await consumer.start()
            self._tps = await assign_all(consumer, [self.topic], paused=True)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        await self.refresh(settle=True)

    async def stop(self) -> None:
        """Close the consumer and producer (idempotent)."""
        consumer, self._consumer = self._consumer, None
        producer, self._producer = self._producer, None
        if consumer is not None:
            await consumer.stop()
        if producer is not None:
            await producer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def refresh(self, *, settle: bool = False) -> None:
        """Catch up with what was written to the topic since the last read (by anyone).

        Args:
            settle: also wait for transactions open on the topic right now (see ``read_to_end``): a caller that
                must see a transaction that may just have committed (the publisher's verify step) sets it.
        """
        if self._consumer is None:
            raise StreamError(f"state table {self.topic} is not started")
        async with self._lock, asyncio.timeout(self._timeout_s):
            ends = await open_transaction_ends(self._kafka, self._tps) if settle else None
            async for message in read_to_end(self._consumer, self._tps, settle=ends):
                key = message.key_text
                if self._key_filter is not None and not self._key_filter(key):
                    continue
                if message.value is None:
                    self._values.pop(key, None)
                    continue
                try:
                    self._values[key] = decode_state(self._model, message.value, where=f"{self.topic}/{key}")
                except StreamError:
                    # One bad record must not stop the hub from starting; it stays visible in the log.
                    log.exception("state.invalid_record", topic=self.topic, key=key, offset=message.offset)

    def get(self, key: str) -> V | None:
        """The latest value under ``key`` (None when absent or deleted)."""
        return self._values.get(key)

    def items(self) -> Iterator[tuple[str, V]]:
        """Every (key, value) pair, in key order."""
        return iter(sorted(self._values.items()))

    def __len__(self) -> int:
        return len(self._values)

    async def _writer(self) -> AIOKafkaProducer:
        """The table's producer, started on the first write.

        Under a lock: two first writes at once (the API deleting a connector while its worker releases it, both
        tombstoning its cursor) would otherwise each start a producer, and the one overwritten would be collected
        open ("Unclosed AIOKafkaProducer").
        """
        async with self._writer_lock:
            if self._producer is None:
                producer = self._kafka.producer()
                try:
                    await producer.start()
                except BaseException:
                    # A failed or cancelled start must still close it, or it leaks as an "Unclosed" producer.
                    with contextlib.suppress(Exception):
                        await asyncio.shield(producer.stop())
                    raise
                self._producer = producer
            return self._producer

    async def put(self, key: str, value: V | None) -> None:
        """Write ``value`` under ``key`` and wait for the broker's acknowledgement; None writes a tombstone.

        Raises:
            StreamError: the write was not acknowledged.
        """
        producer = await self._writer()
        try:
            await producer.send_and_wait(self.topic, encode_state(value), key=key.encode())
        except KafkaError as exc:
            raise StreamError(f"could not write {key!r} to {self.topic}: {exc!r}") from exc
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = value
