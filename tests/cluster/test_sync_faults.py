"""Faults on the three-node cluster while a connector syncs: nothing is lost, nothing doubled, no cursor gap.

Each test runs a real ``run_sync`` (the production pipeline) of a fake connector whose batches are slowed a little,
so that a node can be killed while transactions are in flight, then reads everything back read_committed.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from hub.config import HubSettings, StreamSettings
from hub.errors import StreamError
from hub.stream.changes import read_topics
from hub.stream.pipeline import SyncSummary, run_sync
from hub.stream.state import CursorRecord
from hub.stream.topics import entity_topic, internal_topic
from tests.cluster.conftest import BROKERS, Cluster
from tests.integration.stream_sync_child import SlowFakeConnector
from tests.stream.fakes import BASE, http_client, row

pytestmark = pytest.mark.integration

COUNT = 20_000
PAGE = 500


def _settings(prefix: str, *, give_up_s: float = 120.0) -> HubSettings:
    return HubSettings(
        stream=StreamSettings(
            topic_prefix=prefix,
            replication_factor=BROKERS,
            min_insync_replicas=2,
            publish_give_up_s=give_up_s,
        )
    )


async def _check_exactly_once(cluster: Cluster, settings: HubSettings, count: int) -> None:
    """Every record once, in order, and the cursor history counts up by one batch per transaction."""
    projects = await read_topics(cluster.clients, [entity_topic(settings, "projects")], timeout_s=300)
    assert [m.key_text for m in projects] == [BASE + str(i) for i in range(1, count + 1)]
    cursors = [
        CursorRecord.model_validate_json(m.value)
        for m in await read_topics(cluster.clients, [internal_topic(settings, "cursors")])
        if m.value is not None
    ]
    assert [c.batches for c in cursors] == list(range(1, len(cursors) + 1)), "a gap or a repeat in the cursors"


async def _sync_and_hurt(
    cluster: Cluster, settings: HubSettings, hurt: object, *, after_batches: int = 5
) -> tuple[SyncSummary, float]:
    """Run a sync; after ``after_batches`` committed batches call ``hurt()``; return the summary and its time."""
    committed = asyncio.Event()

    def progress(summary: SyncSummary) -> None:
        if summary.batches >= after_batches:
            committed.set()

    async with aiohttp.ClientSession() as session:
        connector = SlowFakeConnector([row(i) for i in range(1, COUNT + 1)], http=http_client(session), page_size=PAGE)
        connector.delay_s = 0.05
        began = time.monotonic()
        sync = asyncio.create_task(
            run_sync("faulty", connector, kafka=cluster.clients, settings=settings, progress=progress)
        )
        async with asyncio.timeout(120):
            await committed.wait()
        assert not sync.done(), "the sync finished before the fault; slow it down"
        await asyncio.to_thread(hurt)  # type: ignore[arg-type]
        summary = await asyncio.wait_for(sync, 600)
        return summary, time.monotonic() - began


async def test_killing_the_entity_topics_leader_during_a_sync(cluster: Cluster, unique_name: str) -> None:
    settings = _settings(unique_name)
    killed: list[int] = []

    def kill_leader() -> None:
        leader = asyncio.run(cluster.leader(entity_topic(settings, "projects")))
        cluster.kill(leader)
        killed.append(leader)

    summary, took = await _sync_and_hurt(cluster, settings, kill_leader)
    assert (summary.fetched, summary.published) == (COUNT, COUNT)
    await asyncio.to_thread(cluster.restart, killed[0])
    await _check_exactly_once(cluster, settings, COUNT)
    print(f"leader {killed[0]} killed mid-sync: {COUNT} records in {took:.1f}s, {summary.retries} retried transactions")


async def test_killing_the_active_controller_during_a_sync(cluster: Cluster, unique_name: str) -> None:
    settings = _settings(unique_name)
    killed: list[int] = []

    def kill_controller() -> None:
        controller = cluster.active_controller()
        cluster.kill(controller)
        killed.append(controller)

    summary, took = await _sync_and_hurt(cluster, settings, kill_controller)
    assert (summary.fetched, summary.published) == (COUNT, COUNT)
    await asyncio.to_thread(cluster.restart, killed[0])
    await _check_exactly_once(cluster, settings, COUNT)
    print(f"controller {killed[0]} killed mid-sync: {COUNT} records in {took:.1f}s, {summary.retries} retries")


async def test_below_min_isr_the_sync_stops_clearly_and_resumes_when_a_broker_returns(
    cluster: Cluster, unique_name: str
) -> None:
    settings = _settings(unique_name, give_up_s=20.0)
    projects = entity_topic(settings, "projects")
    killed: list[int] = []

    def kill_two() -> None:
        leader = asyncio.run(cluster.leader(projects))
        others = [n for n in range(1, BROKERS + 1) if n != leader]
        for node in others:
            cluster.kill(node)
            killed.append(node)

    began = time.monotonic()
    with pytest.raises(StreamError) as failure:
        await _sync_and_hurt(cluster, settings, kill_two)
    stopped_s = time.monotonic() - began
    reason = str(failure.value)
    assert "min.insync.replicas" in reason or "could not reconnect" in reason, reason

    await asyncio.to_thread(cluster.restart, killed[0])
    async with aiohttp.ClientSession() as session:
        connector = SlowFakeConnector([row(i) for i in range(1, COUNT + 1)], http=http_client(session), page_size=PAGE)
        resumed = await run_sync("faulty", connector, kafka=cluster.clients, settings=settings)
    assert resumed.fetched < COUNT, "the second run resumed from the committed cursor"
    await asyncio.to_thread(cluster.restart, killed[1])
    await _check_exactly_once(cluster, settings, COUNT)
    print(f"two brokers lost: the sync failed after {stopped_s:.1f}s ({failure.value}); resumed {resumed.fetched}")
