"""The partner router's logic on the in-memory cluster: every matching change reaches a partner topic exactly once.

"Exactly once" is checked without waiting for time to pass: the router has done all its work when its group's
committed offsets cover every record of the entity topic and the subscription's backfill mark is written, and the
partner topic is then compared record by record. The same behaviour is tested on the real broker in
tests/integration/test_stream_router.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from hub.config import HubSettings, StreamSettings
from hub.stream.pipeline import run_sync
from hub.stream.router import MARK_PREFIX, PartnerRouter, router_group_id
from hub.stream.state import PartnerSubscription, StateTable
from hub.stream.topics import entity_topic, internal_topic, partner_topic
from tests.memory_kafka import MemoryCluster, MemoryKafkaClients
from tests.stream.fakes import BASE, FakeConnector, http_client, row

# The in-memory cluster models aiokafka's clients, so the sync publishes through aiokafka here.
SETTINGS = HubSettings(
    stream=StreamSettings(topic_prefix="mem", partitions=3, publish_give_up_s=1.0, producer="aiokafka")
)
PROJECTS = entity_topic(SETTINGS, "projects")
BIRDS_TOPIC = partner_topic(SETTINGS, "birdwatch", "projects")
BIRDS = PartnerSubscription(partner="birdwatch", name="birds", entity_types=["projects"], keywords=["Birds"])
UPSERTED = "org.citsci.hub.project.upserted"
DELETED = "org.citsci.hub.project.deleted"


def _rows() -> list[dict[str, Any]]:
    return [row(i, keywords=["birds"] if i % 3 == 0 else ["stars"]) for i in range(1, 13)]


@pytest.fixture
def kafka() -> MemoryKafkaClients:
    return MemoryKafkaClients(MemoryCluster(partitions=3))


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with aiohttp.ClientSession() as session:
        yield FakeConnector(_rows(), http=http_client(session), page_size=5)


@asynccontextmanager
async def _router(kafka: MemoryKafkaClients) -> AsyncIterator[PartnerRouter]:
    router = PartnerRouter(kafka, SETTINGS, refresh_interval_s=0.05, poll_timeout_ms=50)
    stop = asyncio.Event()
    task = asyncio.create_task(router.run(stop))
    try:
        yield router
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def _subscribe(kafka: MemoryKafkaClients, subscription: PartnerSubscription) -> None:
    async with StateTable(kafka, internal_topic(SETTINGS, "partners"), PartnerSubscription) as table:
        await table.put(subscription.key, subscription)


def _caught_up(cluster: MemoryCluster) -> bool:
    """The router's group has committed past every committed record of the entity topic."""
    offsets = cluster.group_offsets.get(router_group_id(SETTINGS), {})
    for tp in cluster.partitions_of(PROJECTS):
        records = [e for e in cluster.logs[tp] if cluster.visible(e) is not None]
        if records and offsets.get(tp, 0) <= records[-1].offset:
            return False
    return True


def _marked(cluster: MemoryCluster) -> bool:
    """The subscription's backfill mark is written for every partition of the entity topic."""
    marks = {r.key for r in cluster.committed(internal_topic(SETTINGS, "router-marks")) if r.value is not None}
    wanted = {f"{MARK_PREFIX}{BIRDS.key}/{tp.topic}/{tp.partition}".encode() for tp in cluster.partitions_of(PROJECTS)}
    return wanted <= marks


def _partner(cluster: MemoryCluster) -> list[tuple[str, str, bool]]:
    """What the partner topic holds: (key, event type, tombstone), in order per partition."""
    return [
        (
            (r.key or b"").decode(),
            dict(r.headers).get("ce_type", b"").decode(),
            r.value is None,
        )
        for r in cluster.committed(BIRDS_TOPIC)
    ]


async def _settled(cluster: MemoryCluster, count: int) -> list[tuple[str, str, bool]]:
    """The partner topic once the router has routed everything and it holds at least ``count`` records."""
    await cluster.until(
        f"{count} records on the partner topic and the router caught up",
        lambda: _marked(cluster) and _caught_up(cluster) and len(cluster.committed(BIRDS_TOPIC)) >= count,
    )
    return _partner(cluster)


def _upserts(*numbers: int) -> list[tuple[str, str, bool]]:
    return sorted((BASE + str(n), UPSERTED, False) for n in numbers)


async def test_backfill_changes_and_deletions_reach_the_partner_once(
    kafka: MemoryKafkaClients, connector: FakeConnector
) -> None:
    cluster = kafka.cluster
    await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
    async with _router(kafka):
        await _subscribe(kafka, BIRDS)
        assert sorted(await _settled(cluster, 4)) == _upserts(3, 6, 9, 12)

        connector.rows.append(row(15, keywords=["birds"]))
        connector.rows[5] = row(6, "Birds of the coast", keywords=["birds"])
        del connector.rows[2]  # project 3 is gone
        await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
        after = await _settled(cluster, 8)
    assert sorted(after) == sorted(
        [*_upserts(3, 6, 9, 12, 6, 15), (BASE + "3", DELETED, False), (BASE + "3", DELETED, True)]
    )


async def test_a_restarted_router_routes_nothing_twice(kafka: MemoryKafkaClients, connector: FakeConnector) -> None:
    cluster = kafka.cluster
    await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
    async with _router(kafka):
        await _subscribe(kafka, BIRDS)
        first = await _settled(cluster, 4)
    connector.rows.append(row(15, keywords=["birds"]))
    async with _router(kafka):
        await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
        after = await _settled(cluster, 5)
    assert sorted(after) == sorted([*first, (BASE + "15", UPSERTED, False)])


async def test_a_lost_commit_acknowledgement_of_the_router_doubles_nothing(
    kafka: MemoryKafkaClients, connector: FakeConnector
) -> None:
    cluster = kafka.cluster
    await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
    async with _router(kafka):
        await _subscribe(kafka, BIRDS)
        await _settled(cluster, 4)
        cluster.lose_next_commit_ack(router_group_id(SETTINGS))
        connector.rows.append(row(15, keywords=["birds"]))
        connector.rows.append(row(18, keywords=["birds"]))
        await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
        await cluster.until("the router's lost acknowledgement", lambda: not cluster.ack_loss_pending)
        after = await _settled(cluster, 6)
    assert sorted(after) == _upserts(3, 6, 9, 12, 15, 18)


async def test_the_router_rides_out_an_outage_of_the_cluster(
    kafka: MemoryKafkaClients, connector: FakeConnector
) -> None:
    cluster = kafka.cluster
    await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
    async with _router(kafka):
        await _subscribe(kafka, BIRDS)
        await _settled(cluster, 4)
        cluster.down = True
        await cluster.until("the router to meet the outage", lambda: cluster.refused >= 3)
        cluster.down = False
        connector.rows.append(row(15, keywords=["birds"]))
        await run_sync("fake-1", connector, kafka=kafka, settings=SETTINGS)
        after = await _settled(cluster, 5)
    assert sorted(after) == _upserts(3, 6, 9, 12, 15)
