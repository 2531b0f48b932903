"""The directory indexer role of ``hub up``: reads the materialised topics into the `DirectoryIndex`.

Like the materialiser, it is assigned every partition (no consumer group) with ``read_committed`` and resumes from
the offsets stored in the index with the data, so it sees exactly the committed records the RDF store sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import orjson
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from hub.config import HubSettings
from hub.dump.materialiser import MATERIALISED_ENTITIES
from hub.errors import StreamError
from hub.stream.consume import partitions_of
from hub.stream.kafka import KafkaClients
from hub.stream.topics import entity_topic
from hub.web.index import DirectoryIndex, IndexChange

__all__ = ["run_indexer", "to_index_changes"]

log = structlog.get_logger(__name__)


def to_index_changes(records: Sequence[ConsumerRecord], entities: Mapping[str, str]) -> list[IndexChange]:
    """Kafka records as index changes; a record that is not a JSON object keyed by text is logged and skipped."""
    changes: list[IndexChange] = []
    for record in records:
        try:
            key = bytes(record.key).decode("utf-8") if record.key is not None else None
            value = orjson.loads(record.value) if record.value is not None else None
        except (UnicodeDecodeError, orjson.JSONDecodeError) as exc:
            log.warning("web.index_record_skipped", topic=record.topic, offset=record.offset, reason=str(exc))
            continue
        if key is None or (value is not None and not isinstance(value, dict)):
            log.warning("web.index_record_skipped", topic=record.topic, offset=record.offset, reason="not a hub record")
            continue
        changes.append(IndexChange(entities[record.topic], key, value))
    return changes


async def _partitions(
    clients: KafkaClients, consumer: AIOKafkaConsumer, topics: list[str], wait_s: float
) -> list[TopicPartition]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            return await partitions_of(consumer, topics)
        except StreamError:
            if loop.time() > deadline:
                raise
        await asyncio.sleep(0.5)


async def run_indexer(
    settings: HubSettings,
    kafka: KafkaClients,
    index: DirectoryIndex,
    stop: asyncio.Event,
    *,
    batch_max_records: int = 2000,
    topic_wait_s: float = 30.0,
) -> None:
    """Keep ``index`` equal to the materialised topics until ``stop`` is set."""
    entities = {entity_topic(settings, entity): entity for entity in MATERIALISED_ENTITIES}
    consumer = kafka.committed_consumer()
    await consumer.start()
    try:
        partitions = await _partitions(kafka, consumer, list(entities), topic_wait_s)
        consumer.assign(partitions)
        stored = await asyncio.to_thread(index.offsets)
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, offset)
        log.info("web.indexer_started", partitions=len(partitions), projects=index.project_count())
        while not stop.is_set():
            fetched = await consumer.getmany(timeout_ms=500, max_records=batch_max_records)
            records = [record for batch in fetched.values() for record in batch]
            if not records:
                continue
            offsets = {(tp.topic, tp.partition): batch[-1].offset + 1 for tp, batch in fetched.items() if batch}
            await asyncio.to_thread(index.apply, to_index_changes(records, entities), offsets)
    finally:
        await consumer.stop()
        log.info("web.indexer_stopped")
