"""A watcher hears of writes as they land, and a worker starts a requested sync without waiting for its tick."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hub.api.kafka import KafkaRegistry, api_topics
from hub.api.status import CommandRecord, ConnectorStatus
from hub.config import HubSettings, StreamSettings
from hub.stream.consume import Message
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import SyncProgress, SyncSummary
from hub.stream.state import ConnectorRecord, StateTable
from hub.stream.topics import ensure_topics, hub_topics, internal_topic
from hub.stream.watch import TopicWatcher
from hub.worker.service import worker

pytestmark = pytest.mark.integration

DEADLINE_S = 30.0


async def test_the_watcher_reports_what_is_written_after_it_started(kafka: KafkaClients, unique_name: str) -> None:
    settings = StreamSettings(topic_prefix=unique_name)
    await ensure_topics(kafka, hub_topics(settings), settings)
    topic = internal_topic(settings, "connectors")
    seen: list[Message] = []
    arrived = asyncio.Event()

    def on_records(records: list[Message]) -> None:
        seen.extend(records)
        arrived.set()

    async with StateTable(kafka, topic, ConnectorRecord) as writer:
        await writer.put("before", ConnectorRecord(name="before", type="fake"))
        async with TopicWatcher(kafka, [topic], on_records, name="test"):
            await writer.put("after", ConnectorRecord(name="after", type="fake"))
            async with asyncio.timeout(DEADLINE_S):
                await arrived.wait()

    assert [message.key_text for message in seen] == ["after"]


async def test_a_watcher_on_a_missing_topic_logs_and_does_not_stop_its_process(kafka: KafkaClients) -> None:
    watcher = TopicWatcher(kafka, ["no-such-topic-for-the-watcher"], lambda records: None, name="test")

    await watcher.start()  # logged as watch.not_started; the reader's own timer remains
    await watcher.stop()


async def test_a_requested_sync_starts_long_before_the_next_tick(kafka: KafkaClients, unique_name: str) -> None:
    """With an hour between ticks and the next run a day away, only the arriving command can start a run."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    await ensure_topics(kafka, [*hub_topics(settings), *api_topics(settings)], settings)
    runs: list[str] = []
    ran = asyncio.Event()

    async def run(record: ConnectorRecord, progress: SyncProgress) -> SyncSummary:
        runs.append(record.name)
        ran.set()
        return SyncSummary()

    async with KafkaRegistry(kafka, settings).running() as registry:
        record = ConnectorRecord(name="watched", type="fake", schedule_interval_s=86_400)
        await registry.connectors.put(record.name, record)
        # It ran a moment ago: adopting it schedules the next run a day later.
        status = ConnectorStatus(connector=record.name, state="idle", started_at=datetime.now(UTC))
        await registry.status.put(record.name, status)
        async with worker(settings, registry, run, kafka=kafka, tick_s=3600) as scheduler:
            async with asyncio.timeout(DEADLINE_S):
                # The tick that adopts a connector applies its commands in the same step, without a pause, so once
                # it is owned the commands are next read when something wakes the scheduler.
                while "watched" not in scheduler.owned:  # noqa: ASYNC110 - no event says "adopted"; polled, bounded
                    await asyncio.sleep(0.05)
            assert runs == []
            await registry.commands.put(
                record.name, CommandRecord(connector=record.name, sync_requested_at=datetime.now(UTC))
            )
            async with asyncio.timeout(DEADLINE_S):
                await ran.wait()

    assert runs == ["watched"]
