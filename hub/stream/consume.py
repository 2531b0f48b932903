"""Typed helpers over aiokafka's consumer: every hub reader is read_committed and reads whole topics to their end.

aiokafka ships no type information, so its records are copied into ``Message`` here, once, and the rest of the
hub sees typed values only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.errors import StreamError
from hub.stream.envelope import header_map
from hub.stream.kafka import KafkaClients

log = structlog.get_logger(__name__)

__all__ = [
    "Message",
    "Offsets",
    "assign_all",
    "open_transaction_ends",
    "partitions_of",
    "read_to_end",
    "to_message",
]


@dataclass(frozen=True, slots=True)
class Message:
    """One Kafka record as the hub sees it; ``value`` None is a tombstone."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int

    @property
    def key_text(self) -> str:
        """The key decoded as UTF-8 ('' when absent)."""
        return self.key.decode() if self.key is not None else ""

    def header(self, name: str) -> str | None:
        """One header as text (None when absent)."""
        return header_map(self.headers).get(name)


def to_message(record: Any) -> Message:
    """Copy an aiokafka ``ConsumerRecord`` into a typed ``Message``."""
    return Message(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=tuple(record.headers or ()),
        timestamp_ms=record.timestamp,
    )


async def partitions_of(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the topics, from fresh cluster metadata.

    Raises:
        StreamError: a topic does not exist.
    """
    # The public partitions_for_topic() only reads cached metadata, which knows no topic before a subscription.
    cluster = await consumer._client.fetch_all_metadata()
    result: list[TopicPartition] = []
    for topic in topics:
        partitions = cluster.partitions_for_topic(topic)
        if not partitions:
            raise StreamError(f"topic {topic!r} does not exist on the cluster")
        result.extend(TopicPartition(topic, p) for p in sorted(partitions))
    return result


async def assign_all(
    consumer: AIOKafkaConsumer, topics: Iterable[str], *, paused: bool = False
) -> list[TopicPartition]:
    """Assign every partition of the topics to a group-less consumer, positioned at the beginning.

    ``paused``: fetch nothing until `read_to_end` reads them, which then pauses them again. A reader that reads to
    the end now and then (a state table) sets it: see `read_to_end` for why.
    """
    tps = await partitions_of(consumer, topics)
    consumer.assign(tps)
    if paused:
        consumer.pause(*tps)
    await consumer.seek_to_beginning(*tps)
    return tps


Offsets = Mapping[TopicPartition, int]


async def open_transaction_ends(kafka: KafkaClients, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
    """Each partition's high watermark (its uncommitted end), to wait for transactions open on it right now.

    A read_committed reader's end is the last stable offset, which stops *before* any transaction still open, and
    a transaction that just committed stays "open" on a partition until its commit marker lands there, a moment
    after ``commit_transaction`` returned. Reading up to the high watermark as of now waits for those.
    """
    if not tps:
        return {}
    probe = kafka.committed_consumer(isolation_level="read_uncommitted")
    await probe.start()
    try:
        ends: dict[TopicPartition, int] = await probe.end_offsets(list(tps))
        return ends
    finally:
        await probe.stop()


async def read_to_end(
    consumer: AIOKafkaConsumer,
    tps: Sequence[TopicPartition],
    *,
    written: Offsets | None = None,
    settle: Offsets | None = None,
    settle_timeout_s: float = 15.0,
    timeout_ms: int = 500,
) -> AsyncIterator[Message]:
    """Yield what the assigned partitions hold from the current position up to (at least) their end.

    The end is the last stable offset as of now, raised to two kinds of target:

    - ``written``: offsets a producer got back for its own batch (the next offset after each partition's last
      record). They are a promise that the records are committed, so the read waits for them; not seeing them
      within ``settle_timeout_s`` raises ``StreamError``.
    - ``settle``: ends from ``open_transaction_ends``. The read waits up to ``settle_timeout_s`` for the
      transactions open when it started to commit or abort, then stops at what is stable (another writer's long
      transaction must not hold a reader forever).

    ``settle_timeout_s`` counts from the last records read, not from the start: reading a million records takes
    longer than that, and is not waiting.

    Partitions paused when the read starts (`assign_all` with ``paused``) are fetched only while it reads, and
    paused again after. That matters for its latency: a broker answers one connection's requests in order, and an
    idle consumer keeps a fetch waiting there (up to ``fetch_max_wait_ms``, 500 ms) for records that do not come,
    so the end offsets asked for behind it wait as long, at every read of a quiet topic.

    Raises:
        StreamError: ``written`` records did not become readable in time.
    """
    paused = consumer.paused() & set(tps)
    stable: dict[TopicPartition, int] = await consumer.end_offsets(list(tps))
    consumer.resume(*paused)
    try:
        async for message in _read_up_to(consumer, tps, stable, written, settle, settle_timeout_s, timeout_ms):
            yield message
    finally:
        consumer.pause(*paused)


async def _read_up_to(
    consumer: AIOKafkaConsumer,
    tps: Sequence[TopicPartition],
    stable: dict[TopicPartition, int],
    written: Offsets | None,
    settle: Offsets | None,
    settle_timeout_s: float,
    timeout_ms: int,
) -> AsyncIterator[Message]:
    required = {tp: max(stable[tp], (written or {}).get(tp, 0)) for tp in tps}
    wanted = {tp: max(required[tp], (settle or {}).get(tp, 0)) for tp in tps}
    deadline = asyncio.get_running_loop().time() + settle_timeout_s

    async def behind() -> set[TopicPartition]:
        # Positions can jump past transaction markers, so the end is checked by position, not by last offset.
        return {tp for tp in tps if await consumer.position(tp) < wanted[tp]}

    pending = await behind()
    while pending:
        batch = await consumer.getmany(*pending, timeout_ms=timeout_ms)
        # Records past the end are yielded too: dropping them would lose them, as the position has moved on.
        for records in batch.values():
            for record in records:
                yield to_message(record)
        if batch:
            deadline = asyncio.get_running_loop().time() + settle_timeout_s
        pending = await behind()
        if pending and asyncio.get_running_loop().time() > deadline:
            short = {tp for tp in pending if await consumer.position(tp) < required[tp]}
            if short:
                raise StreamError(
                    f"records written to {sorted(str(tp) for tp in short)} were not readable within "
                    f"{settle_timeout_s:.0f} s; the commit may not have reached every partition"
                )
            log.info("consume.open_transaction_not_waited_for", partitions=sorted(str(tp) for tp in pending))
            return
