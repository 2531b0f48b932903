"""End to end: ``hub up``; an operator registers a Zooniverse connector against a Panoptes replay; a partner
subscribes to "projects on Zooniverse"; the partner's topic receives the projects; after a restart of the hub the
connector, its cursor and the subscription are all there."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.stream.kafka import KafkaClients
from tests.api.zooniverse_replay import PROJECTS, zooniverse_app
from tests.hub_up_process import hub_up_env, register_zooniverse_for_ecsa, start_hub_up, until

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "end-to-end-admin-token-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _partner_read(env: dict[str, str]) -> list[dict[str, Any]]:
    """What `hub partners read ecsa` prints: one JSON-LD record per line."""
    result = subprocess.run(
        [sys.executable, "-m", "hub", "partners", "read", "ecsa", "--idle", "3"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


async def _topic_exists(kafka: KafkaClients, topic: str) -> bool:
    admin = kafka.admin()
    try:
        await admin.start()
        return topic in set(await admin.list_topics())
    finally:
        await admin.close()


async def _read(kafka: KafkaClients, topic: str, received: dict[str, Any]) -> bool:
    consumer = kafka.committed_consumer(topic)
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=2000)
        for records in batch.values():
            for record in records:
                if record.value is not None:
                    received[record.key.decode()] = json.loads(record.value)
    finally:
        await consumer.stop()
    return len(received) >= len(PROJECTS)


async def test_hub_up_registers_routes_and_delivers(
    aiohttp_server: Any, kafka: KafkaClients, unique_name: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    """The partner topic of a "projects on Zooniverse" subscription receives the replayed projects."""
    replay = await aiohttp_server(zooniverse_app())
    env = hub_up_env(kafka, unique_name, tmp_path / "state", unused_tcp_port, ADMIN_TOKEN)
    log = tmp_path / "hub-up.log"
    api = f"http://127.0.0.1:{unused_tcp_port}"
    proc = start_hub_up(env, log)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                try:
                    async with http.get(f"{api}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    if proc.poll() is not None:
                        pytest.fail(f"hub up exited with {proc.returncode}: {log.read_text()[-3000:]}")
                    return False

            await until("the API to be ready", log, ready)
            partner, topic = await register_zooniverse_for_ecsa(http, api, ADMIN, str(replay.make_url("/api/")))
            assert topic == f"{unique_name}.partner.ecsa.projects.v1"

            await until("the partner topic", log, lambda: _topic_exists(kafka, topic))
            received: dict[str, Any] = {}
            await until("the projects on the partner topic", log, lambda: _read(kafka, topic, received))
            names = sorted(doc["projectName"] for doc in received.values())
            assert names == sorted(p["display_name"] for p in PROJECTS)
            assert all("/zooniverse/" in key for key in received)
            printed = await asyncio.to_thread(_partner_read, env)
            assert sorted(doc["projectName"] for doc in printed) == names

            async def synced() -> dict[str, Any] | None:
                async with http.get(f"{api}/connectors/zooniverse-main/status", headers=ADMIN) as response:
                    status: dict[str, Any] = await response.json()
                return status if status["state"] == "idle" and status["records_published"] >= len(PROJECTS) else None

            status = await until("an idle, successful connector", log, synced)
            assert status["last_error"] is None
            async with http.get(f"{api}/partners/ecsa/subscriptions/zooniverse-projects", headers=partner) as response:
                assert (await response.json())["backfill"]["partitions_total"] == 1
            query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
            sparql_headers = {**ADMIN, "Accept": "application/sparql-results+json"}

            async def materialised() -> bool:
                async with http.get(f"{api}/sparql", params=query, headers=sparql_headers) as response:
                    results = await response.json()
                return int(results["results"]["bindings"][0]["n"]["value"]) > 0

            await until("the materialiser behind /sparql", log, materialised)
            async with http.get(f"{api}/metrics", headers=ADMIN) as response:
                metrics = await response.text()
            assert 'hub_connector_records_published_total{connector="zooniverse-main"}' in metrics
            async with http.get(f"{api}/connectors/zooniverse-main/cursor", headers=ADMIN) as response:
                cursor = await response.json()
            assert cursor["cursor"] is not None

            # Restart the hub: the connector, its cursor, the subscription and the partner's token are all back.
            proc.send_signal(signal.SIGINT)
            assert await asyncio.to_thread(proc.wait, 60) == 0
            log = tmp_path / "hub-up-again.log"
            proc = start_hub_up(env, log)
            await until("the restarted API to be ready", log, ready)
            async with http.get(f"{api}/connectors", headers=ADMIN) as response:
                assert [c["name"] for c in (await response.json())["connectors"]] == ["zooniverse-main"]
            async with http.get(f"{api}/connectors/zooniverse-main/cursor", headers=ADMIN) as response:
                assert await response.json() == cursor
            async with http.get(f"{api}/partners/ecsa/subscriptions", headers=partner) as response:
                subscriptions = (await response.json())["subscriptions"]
            assert [s["name"] for s in subscriptions] == ["zooniverse-projects"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
