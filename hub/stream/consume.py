"""Typed helpers over aiokafka's consumer: every hub reader is read_committed and reads whole topics to their end.

aiokafka ships no type information, so its records are copied into ``Message`` here, once, and the rest of the
hub sees typed values only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.errors import StreamError
from hub.stream.envelope import header_map

__all__ = ["Message", "assign_all", "partitions_of", "read_to_end", "to_message"]


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


async def assign_all(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Assign every partition of the topics to a group-less consumer, positioned at the beginning."""
    tps = await partitions_of(consumer, topics)
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    return tps


async def read_to_end(
    consumer: AIOKafkaConsumer, tps: Sequence[TopicPartition], *, timeout_ms: int = 500
) -> AsyncIterator[Message]:
    """Yield what the assigned partitions hold from the current position up to (at least) their end as of now.

    With read_committed the end is the last stable offset, so an open transaction is not waited for.
    """
    ends: dict[TopicPartition, int] = await consumer.end_offsets(list(tps))
    pending = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
    while pending:
        batch = await consumer.getmany(*pending, timeout_ms=timeout_ms)
        # Records past the end are yielded too: dropping them would lose them, as the position has moved on.
        for records in batch.values():
            for record in records:
                yield to_message(record)
        # Positions can jump past transaction markers, so the end is checked by position, not by last offset.
        pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
