"""Against a real broker: connectors registered through the API, synced by the scheduler, survive a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from hub.api.app import make_app
from hub.api.kafka import KafkaRegistry, api_topics, kafka_ready_check
from hub.api.keys import Registry
from hub.config import ApiSettings, HubSettings, StreamSettings
from hub.schema.base import ENTITY_TYPES
from hub.stream.changes import read_topics
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, entity_topic, hub_topics
from hub.worker.run import kafka_runner
from hub.worker.runs import RunHistory
from hub.worker.scheduler import Scheduler
from tests.api.conftest import ADMIN_TOKEN
from tests.api.zooniverse_replay import zooniverse_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _settings(kafka: KafkaClients, prefix: str) -> HubSettings:
    return HubSettings(
        kafka_bootstrap=kafka.bootstrap,
        kafka=kafka.security,
        stream=StreamSettings(topic_prefix=prefix),
        api=ApiSettings(admin_token=SecretStr(ADMIN_TOKEN), outbound_allow=("127.0.0.1/32",)),
    )


@asynccontextmanager
async def _hub(aiohttp_client: Any, settings: HubSettings) -> AsyncIterator[tuple[TestClient[Any, Any], Registry]]:
    kafka = KafkaClients.from_settings(settings)
    async with KafkaRegistry(kafka, settings).running() as registry:
        app = make_app(settings, registry=registry, ready_check=kafka_ready_check(kafka, settings))
        client = await aiohttp_client(app)
        try:
            yield client, registry
        finally:
            await client.close()


async def test_registered_connectors_and_cursors_survive_a_restart(
    aiohttp_client: Any, aiohttp_server: Any, kafka: KafkaClients, unique_name: str
) -> None:
    """Register three connectors, sync one, restart: all three are there, the synced one with its cursor."""
    settings = _settings(kafka, unique_name)
    await ensure_topics(kafka, [*hub_topics(settings), *api_topics(settings)], settings)
    replay = await aiohttp_server(zooniverse_app())
    base_url = str(replay.make_url("/api/"))
    async with _hub(aiohttp_client, settings) as (client, registry):
        assert (await (await client.get("/readyz")).json())["ready"] is True
        for name in ("zoo-a", "zoo-b", "zoo-c"):
            body = {"name": name, "type": "zooniverse", "config": {"base_url": base_url, "token": "replay-token"}}
            response = await client.post("/connectors", json=body, headers=ADMIN)
            assert response.status == 201, await response.text()
        scheduler = Scheduler(
            registry,
            kafka_runner(kafka, settings, RunHistory(registry.runs), "w1"),
            settings=settings.api,
            worker_id="w1",
            owns={"zoo-a"}.__contains__,
        )
        await scheduler.tick()
        await scheduler.wait_idle()
        await registry.cursors.refresh()
        status = await (await client.get("/connectors/zoo-a/status", headers=ADMIN)).json()
        assert status["last_error"] is None, status
        assert status["records_published"] >= 3
        runs = (await (await client.get("/connectors/zoo-a/runs", headers=ADMIN)).json())["runs"]
        assert [(run["outcome"], run["worker"]) for run in runs] == [("succeeded", "w1")]
        assert runs[0]["published"] == status["records_published"]
        assert runs[0]["fetched"] == status["records_fetched"]
        assert runs[0]["requests"] >= 1
        # The counters are what is on the topics: every published record is there, once.
        entity_topics = [entity_topic(settings, entity) for entity in ENTITY_TYPES]
        on_topics = await read_topics(kafka, entity_topics)
        assert len(on_topics) == runs[0]["published"]
        assert len({m.key_text for m in on_topics}) == len(on_topics)
        cursor_before = await (await client.get("/connectors/zoo-a/cursor", headers=ADMIN)).json()
        assert cursor_before["cursor"] is not None
        assert cursor_before["batches"] >= 1
    async with _hub(aiohttp_client, settings) as (client, _):
        listed = await (await client.get("/connectors", headers=ADMIN)).json()
        assert [c["name"] for c in listed["connectors"]] == ["zoo-a", "zoo-b", "zoo-c"]
        assert all(c["config"]["token"] == "**********" for c in listed["connectors"])
        cursor_after = await (await client.get("/connectors/zoo-a/cursor", headers=ADMIN)).json()
        assert cursor_after == cursor_before
        status = await (await client.get("/connectors/zoo-a/status", headers=ADMIN)).json()
        assert status["records_published"] >= 3
        runs = (await (await client.get("/connectors/zoo-a/runs", headers=ADMIN)).json())["runs"]
        assert [(run["outcome"], run["worker"]) for run in runs] == [("succeeded", "w1")]
        assert runs[0]["published"] == status["records_published"]
        assert runs[0]["fetched"] == status["records_fetched"]
        assert runs[0]["requests"] >= 1
        # The counters are what is on the topics: every published record is there, once.
        entity_topics = [entity_topic(settings, entity) for entity in ENTITY_TYPES]
        on_topics = await read_topics(kafka, entity_topics)
        assert len(on_topics) == runs[0]["published"]
        assert len({m.key_text for m in on_topics}) == len(on_topics)
        assert (await client.delete("/connectors/zoo-a", headers=ADMIN)).status == 204
    async with _hub(aiohttp_client, settings) as (client, registry):
        assert registry.connectors.get("zoo-a") is None
        assert registry.cursors.get("zoo-a") is None
        cursor = await (await client.get("/connectors/zoo-b/cursor", headers=ADMIN)).json()
        assert cursor["cursor"] is None
