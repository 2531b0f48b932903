"""A broker restart in the middle of a sync: the sync waits, retries, and completes with nothing lost or doubled.

This test runs its own single-node Apache Kafka on a fixed port in a temporary state directory (the shared broker
must never be stopped), restarts it while batches are being published, and stops it at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from hub.config import HubSettings, StreamSettings
from hub.localkafka import LocalKafka
from hub.stream.changes import read_topics
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import SyncSummary, run_sync
from hub.stream.state import CursorRecord
from hub.stream.topics import entity_topic, internal_topic
from tests.integration.stream_sync_child import SlowFakeConnector
from tests.own_broker import own_broker as start_own_broker
from tests.stream.fakes import BASE, http_client, row

pytestmark = pytest.mark.integration

COUNT = 2000
PAGE = 50


@pytest.fixture(params=["graceful", "crash"])
def own_broker(request: pytest.FixtureRequest, tmp_path: Path, kafka: KafkaClients) -> Iterator[LocalKafka]:
    """A broker of this test's own (``kafka`` is requested only so the Kafka jars are there).

    ``graceful`` stops it with SIGTERM and waits; ``crash`` sends SIGKILL 50 ms after SIGTERM, long before Kafka's
    controlled shutdown is done, so the broker dies with transactions open, as in a power cut.
    """
    with start_own_broker(tmp_path, stop_timeout_s=30.0 if request.param == "graceful" else 0.05) as broker:
        yield broker


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_sync_survives_a_broker_restart(own_broker: LocalKafka, session: aiohttp.ClientSession) -> None:
    """Stop (or kill) and restart the broker after a few batches: the sync completes, every record there once."""
    info = own_broker.status()
    assert info is not None
    kafka = info.clients()
    settings = HubSettings(stream=StreamSettings(topic_prefix="restart"))
    connector = SlowFakeConnector([row(i) for i in range(1, COUNT + 1)], http=http_client(session), page_size=PAGE)
    connector.delay_s = 0.05
    committed = asyncio.Event()

    def progress(summary: SyncSummary) -> None:
        if summary.batches >= 5:
            committed.set()

    sync = asyncio.create_task(run_sync("restarty", connector, kafka=kafka, settings=settings, progress=progress))
    await asyncio.wait_for(committed.wait(), 60)
    await asyncio.to_thread(own_broker.stop)
    assert not sync.done(), "the sync finished before the broker went down; slow it down"
    await asyncio.sleep(2)
    await asyncio.to_thread(own_broker.start)
    summary = await asyncio.wait_for(sync, 240)
    assert (summary.fetched, summary.published, summary.batches) == (COUNT, COUNT, COUNT // PAGE)
    print(f"transactions retried across the restart: {summary.retries}")

    projects = await read_topics(kafka, [entity_topic(settings, "projects")])
    assert [m.key_text for m in projects] == [BASE + str(i) for i in range(1, COUNT + 1)]
    cursors = [
        CursorRecord.model_validate_json(m.value)
        for m in await read_topics(kafka, [internal_topic(settings, "cursors")])
        if m.value is not None
    ]
    assert [c.batches for c in cursors] == list(range(1, COUNT // PAGE + 1))
    assert cursors[-1].records == COUNT
