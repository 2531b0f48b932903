"""The broker from deploy/kafka is Apache Kafka and gives the guarantees the hub relies on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka.admin import NewTopic

from hub.config import StreamSettings
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, hub_topics

pytestmark = pytest.mark.integration


async def _create_topic(kafka: KafkaClients, name: str, configs: dict[str, str] | None = None) -> None:
    admin = kafka.admin()
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1, topic_configs=configs or {})])
        assert name in await admin.list_topics()
    finally:
        await admin.close()


async def _read_all(kafka: KafkaClients, topic: str, group: str, *, expected: int) -> list[tuple[bytes, bytes]]:
    consumer = kafka.group_consumer(topic, group_id=group)
    await consumer.start()
    seen: list[tuple[bytes, bytes]] = []
    try:
        async with asyncio.timeout(30):
            while len(seen) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                seen.extend((m.key, m.value) for records in batch.values() for m in records)
        # Anything past the expected count would be a duplicate or a leaked aborted message.
        extra = await consumer.getmany(timeout_ms=1000)
        seen.extend((m.key, m.value) for records in extra.values() for m in records)
        await consumer.commit()
    finally:
        await consumer.stop()
    return seen


def test_broker_is_apache_kafka_from_maven_central(kafka: KafkaClients) -> None:
    """The broker process runs kafka.Kafka with the kafka_2.13 jar from Maven Central on its classpath."""
    port = kafka.bootstrap.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kafka.Kafka" not in cmdline:
            continue
        # Another broker on this machine may have been started with paths relative to its own directory.
        config = proc / "cwd" / (cmdline[-2].decode() if cmdline[-1] == b"" else cmdline[-1].decode())
        try:
            text = config.read_text()
        except OSError:
            continue
        if f"127.0.0.1:{port}" not in text:
            continue
        classpath = cmdline[cmdline.index(b"-cp") + 1].decode()
        libs = proc / "cwd" / classpath.removesuffix("/*")
        jars = sorted(p.name for p in libs.glob("kafka_2.13-*.jar"))
        assert jars, f"no kafka_2.13 jar in {libs}"
        return
    pytest.skip("the broker at HUB_KAFKA_BOOTSTRAP is not a local process; nothing to inspect")


async def test_idempotent_producer_round_trips_through_a_consumer_group(kafka: KafkaClients, unique_name: str) -> None:
    """Records produced idempotently with acks=all come back once each, in order, to a consumer group."""
    await _create_topic(kafka, unique_name)
    producer = kafka.producer()
    await producer.start()
    try:
        for i in range(20):
            await producer.send(unique_name, f"value-{i}".encode(), key=f"key-{i}".encode())
        await producer.flush()
    finally:
        await producer.stop()
    seen = await _read_all(kafka, unique_name, f"{unique_name}-group", expected=20)
    assert seen == [(f"key-{i}".encode(), f"value-{i}".encode()) for i in range(20)]


async def test_read_committed_consumer_never_sees_aborted_messages(kafka: KafkaClients, unique_name: str) -> None:
    """A transaction that is aborted leaves nothing visible to read_committed; committed ones arrive whole."""
    await _create_topic(kafka, unique_name)
    producer = kafka.transactional_producer(f"{unique_name}-tx")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send(unique_name, b"first", key=b"a")
            await producer.send(unique_name, b"second", key=b"b")
        await producer.begin_transaction()
        await producer.send(unique_name, b"aborted-1", key=b"c")
        await producer.send(unique_name, b"aborted-2", key=b"d")
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send(unique_name, b"third", key=b"e")
    finally:
        await producer.stop()
    seen = await _read_all(kafka, unique_name, f"{unique_name}-group", expected=3)
    assert seen == [(b"a", b"first"), (b"b", b"second"), (b"e", b"third")]


async def test_hub_topics_are_created_with_their_policies_and_rechecked(kafka: KafkaClients, unique_name: str) -> None:
    """ensure_topics creates the whole layout once, then finds it all present with matching configs."""
    settings = StreamSettings(topic_prefix=unique_name)
    specs = hub_topics(settings)
    first = await ensure_topics(kafka, specs, settings)
    assert sorted(first.created) == sorted(spec.name for spec in specs)
    second = await ensure_topics(kafka, specs, settings)
    assert second.created == []
    assert sorted(second.existing) == sorted(spec.name for spec in specs)
    assert second.mismatched == {}
