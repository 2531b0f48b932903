"""The Zooniverse connector end to end through `hub sync --config`, the partner router and a re-sync after a change.

A generated Panoptes serves 1,500 projects; `hub sync` runs as its own process, as an operator would run it.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestServer

from hub.config import HubSettings, StreamSettings
from hub.stream.changes import read_topics
from hub.stream.connectors import record_from_file
from hub.stream.consume import Message
from hub.stream.kafka import KafkaClients
from hub.stream.router import PartnerRouter
from hub.stream.state import ConnectorRecord, PartnerSubscription, StateTable
from hub.stream.topics import dlq_topic, ensure_topics, entity_topic, hub_topics, internal_topic, partner_topic
from tests.integration.stream_panoptes import PROJECTS, REQUESTS, panoptes_app, project

pytestmark = pytest.mark.integration

COUNT = 1500
IRI = "https://w3id.org/citsci-hub/id/project/zooniverse/"


@pytest.fixture
async def panoptes() -> AsyncIterator[TestServer]:
    server = TestServer(panoptes_app(COUNT))
    await server.start_server()
    yield server
    await server.close()


async def _hub(kafka: KafkaClients, prefix: str, *args: str) -> str:
    """Run a `hub` command as its own process against the test's topics; its standard output."""
    env = {
        **os.environ,
        **kafka.environment(),
        "HUB_STREAM__TOPIC_PREFIX": prefix,
        "HUB_LOG_LEVEL": "WARNING",
        # The replay listens on loopback, which `hub sync` refuses (as a worker does) unless allowed.
        "HUB_API__OUTBOUND_ALLOW": '["127.0.0.1/32"]',
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0, err.decode()[-2000:]
    return out.decode()


async def _settled(kafka: KafkaClients, topic: str, count: int, timeout_s: float = 60.0) -> list[Message]:
    # The router routes after `hub sync` committed, in its own time: read (committed records only) until the
    # partner topic holds `count` records or the deadline passes, then check there are no more than that.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    messages = await read_topics(kafka, [topic])
    while len(messages) < count and loop.time() < deadline:
        await asyncio.sleep(0.2)  # between two full reads of the topic; the deadline bounds the wait
        messages = await read_topics(kafka, [topic])
    assert len(messages) == count
    return messages


async def test_zooniverse_sync_route_change_and_dead_letter(
    kafka: KafkaClients, unique_name: str, panoptes: TestServer, tmp_path: Path
) -> None:
    """1,500 projects published once; one change gives one upsert on the entity and the partner topic."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    config = tmp_path / "zoo.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "zoo-main",
                "type": "zooniverse",
                "config": {
                    "base_url": str(panoptes.make_url("/api/")),
                    "include_workflows": False,
                    "include_organisations": False,
                    "requests_per_second": 1000,
                },
            }
        )
    )
    await ensure_topics(kafka, hub_topics(settings), settings)
    async with StateTable(kafka, internal_topic(settings, "partners"), PartnerSubscription) as partners:
        galaxies = PartnerSubscription(partner="astro", name="galaxies", entity_types=["projects"], keywords=["galaxy"])
        await partners.put(galaxies.key, galaxies)
    router = PartnerRouter(kafka, settings, refresh_interval_s=0.2, poll_timeout_ms=100)
    stop = asyncio.Event()
    routing = asyncio.create_task(router.run(stop))
    try:
        # A project without a name cannot be mapped: it must be dead-lettered, the rest published.
        broken = project(COUNT + 1)
        broken["display_name"] = None
        broken["title"] = None
        panoptes.app[PROJECTS][broken["id"]] = broken
        first = await _hub(kafka, unique_name, "sync", "--config", str(config))
        # fetched: the platform record and 1,501 projects; published: all but the broken one.
        assert re.search(r"1502\W+1501\W+0\W+0\W+1\W", first), first
        assert "sync zoo-main" in first
        projects = await read_topics(kafka, [entity_topic(settings, "projects")])
        assert sorted(m.key_text for m in projects) == sorted(IRI + str(10000 + n) for n in range(1, COUNT + 1))
        dead = await read_topics(kafka, [dlq_topic(settings)])
        assert [(m.key_text, m.header("ce_connector")) for m in dead] == [(f"project:{broken['id']}", "zoo-main")]
        topic = partner_topic(settings, "astro", "projects")
        routed = await _settled(kafka, topic, COUNT // 5)
        assert {m.key_text for m in routed} == {IRI + str(10000 + n) for n in range(5, COUNT + 1, 5)}

        # Re-deriving the raw topic through the same mapping changes nothing, and asks nothing of the platform.
        served = len(panoptes.app[REQUESTS])
        rederived = await _hub(kafka, unique_name, "replay", "--platform", "zooniverse", "--config", str(config))
        assert "re-derived 1502 zooniverse records" in rederived
        assert "published 0, unchanged 1501, dead-lettered 1" in rederived
        assert len(panoptes.app[REQUESTS]) == served

        # The second sync takes the connector from the registry (the connectors topic), as the scheduler does.
        async with StateTable(kafka, internal_topic(settings, "connectors"), ConnectorRecord) as registry:
            await registry.put("zoo-main", record_from_file(config))
        del panoptes.app[PROJECTS][broken["id"]]
        changed = project(500, title="Galaxy Survey 500, second season", updated="2025-07-01T00:00:00.000Z")
        panoptes.app[PROJECTS][changed["id"]] = changed
        second = await _hub(kafka, unique_name, "sync", "zoo-main")
        assert "sync zoo-main" in second
        after = (await read_topics(kafka, [entity_topic(settings, "projects")]))[len(projects) :]
        assert [(m.key_text, m.header("ce_type")) for m in after] == [
            (IRI + "10500", "org.citsci.hub.project.upserted")
        ]
        routed_after = (await _settled(kafka, topic, COUNT // 5 + 1))[COUNT // 5 :]
        assert [m.key_text for m in routed_after] == [IRI + "10500"]
        assert routed_after[0].value is not None
        assert b"second season" in routed_after[0].value
    finally:
        stop.set()
        await asyncio.wait_for(routing, 30)
