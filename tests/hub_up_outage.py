"""`hub up` rides out its Kafka cluster going away: `/readyz` is honest meanwhile, and every role recovers.

Shared by the single-broker test (tests/integration/test_hub_up_broker_outage.py, in every run) and the
three-broker one (tests/cluster/test_hub_up_cluster_outage.py, ``make test-faults``). `hub up` runs as a child
process on the given cluster; a Zooniverse replay is synced to a partner subscription; the whole cluster is stopped
for ``HUB_TEST_OUTAGE_S`` seconds (30 by default) and started again on the same ports and state. Without a restart
of the hub, a platform change synced through the API must then reach the partner topic (the worker and the router
recovered) and ``/sparql`` (the materialiser recovered).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.stream.kafka import KafkaClients
from tests.api.zooniverse_replay import PROJECTS, SERVED_PROJECTS, zooniverse_app
from tests.hub_up_process import hub_up_env, log_tail, register_zooniverse_for_ecsa, start_hub_up, until

__all__ = ["OUTAGE_S", "hub_up_rides_out_an_outage"]

ADMIN_TOKEN = "outage-admin-token-0123456789abcdef012345"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
OUTAGE_S = float(os.environ.get("HUB_TEST_OUTAGE_S", "30"))
NEW_PROJECT_ID = "2999"


def _new_project() -> dict[str, Any]:
    project = dict(PROJECTS[0])
    project.update(
        id=NEW_PROJECT_ID,
        display_name="Kelp Forest Watch Replay",
        title="Kelp Forest Watch Replay",
        slug="replay-team/kelp-forest-watch-replay",
        updated_at="2026-12-01T09:00:00.000Z",
    )
    return project


async def _partner_names(kafka: KafkaClients, topic: str) -> set[str]:
    """The project names on the partner topic, read to its end (read_committed)."""
    consumer = kafka.committed_consumer(topic)
    names: set[str] = set()
    await consumer.start()
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                names |= {json.loads(r.value)["projectName"] for r in records if r.value is not None}
    finally:
        await consumer.stop()
    return names


def _logged_events(log: Path, event: str) -> list[dict[str, Any]]:
    entries = []
    for line in log.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == event:
            entries.append(entry)
    return entries


async def hub_up_rides_out_an_outage(
    kafka: KafkaClients,
    stop_cluster: Callable[[], object],
    start_cluster: Callable[[], object],
    *,
    prefix: str,
    port: int,
    tmp_path: Path,
    outage_s: float = OUTAGE_S,
) -> str:
    """Run `hub up` on ``kafka``, sync and route, stop the cluster for ``outage_s``, start it, check recovery.

    Returns the figures of the run as one line (printed by the tests, for the note).
    """
    platform = zooniverse_app()
    server = TestServer(platform)
    await server.start_server()
    try:
        return await _ride_out(kafka, stop_cluster, start_cluster, server, platform, prefix, port, tmp_path, outage_s)
    finally:
        await server.close()


async def _ride_out(
    kafka: KafkaClients,
    stop_cluster: Callable[[], object],
    start_cluster: Callable[[], object],
    server: TestServer,
    platform: web.Application,
    prefix: str,
    port: int,
    tmp_path: Path,
    outage_s: float,
) -> str:
    env = hub_up_env(kafka, prefix, tmp_path / "state", port, ADMIN_TOKEN)
    log = tmp_path / "hub-up.log"
    api = f"http://127.0.0.1:{port}"
    proc = start_hub_up(env, log)
    timeout = aiohttp.ClientTimeout(total=15)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:

            async def readiness() -> tuple[int, dict[str, Any]] | None:
                try:
                    async with http.get(f"{api}/readyz") as response:
                        return response.status, await response.json()
                except (aiohttp.ClientError, TimeoutError):
                    if proc.poll() is not None:
                        pytest.fail(f"hub up exited with {proc.returncode}: {log_tail(log)}")
                    return None

            async def ready() -> bool:
                answer = await readiness()
                return answer is not None and answer[0] == 200

            await until("the API to be ready", log, ready)
            _, topic = await register_zooniverse_for_ecsa(http, api, ADMIN, str(server.make_url("/api/")))
            before = {p["display_name"] for p in PROJECTS}

            async def partner_has(names: set[str]) -> bool:
                try:
                    return names <= await _partner_names(kafka, topic)
                except Exception:  # noqa: BLE001 - the topic may not exist yet; poll again
                    return False

            await until("the projects on the partner topic", log, lambda: partner_has(before))

            # The outage: the broker stops; /readyz must say so for as long as it lasts.
            await asyncio.to_thread(stop_cluster)
            answers: list[tuple[int, dict[str, Any]]] = []
            outage_ends = time.monotonic() + outage_s
            while time.monotonic() < outage_ends:
                answer = await readiness()
                assert proc.poll() is None, f"hub up exited during the outage: {log_tail(log)}"
                if answer is not None:
                    answers.append(answer)
                await asyncio.sleep(1.0)  # one probe a second, as a load balancer would; the outage is timed
            assert answers, "the API did not answer /readyz at all during the outage"
            statuses = [status for status, _ in answers]
            first_down = statuses.index(503) if 503 in statuses else None
            assert first_down is not None, f"/readyz never said 503 while Kafka was down: {statuses}"
            assert first_down <= 15, f"/readyz took {first_down} probes to notice the outage: {statuses}"
            assert 200 not in statuses[first_down:], f"/readyz said ready while Kafka was down: {statuses}"
            assert "kafka" in answers[first_down][1]["checks"], answers[first_down]

            await asyncio.to_thread(start_cluster)
            back = time.monotonic()
            await until("the API to be ready again", log, ready, timeout_s=120)
            ready_after_s = time.monotonic() - back

            # A platform change, synced through the API: the worker, the router and the materialiser all work.
            platform[SERVED_PROJECTS].append(_new_project())
            new_name = "Kelp Forest Watch Replay"

            async def sync_requested() -> bool:
                async with http.post(f"{api}/connectors/zooniverse-main/sync", headers=ADMIN) as response:
                    return response.status == 202

            await until("the API to accept a sync", log, sync_requested, timeout_s=120)
            await until("the new project on the partner topic", log, lambda: partner_has({new_name}), timeout_s=180)
            routed_after_s = time.monotonic() - back
            query = {"query": f'ASK {{ ?s ?p ?o FILTER(STR(?o) = "{new_name}") }}'}
            sparql_headers = {**ADMIN, "Accept": "application/sparql-results+json"}

            async def materialised() -> bool:
                async with http.get(f"{api}/sparql", params=query, headers=sparql_headers) as response:
                    return response.status == 200 and bool((await response.json())["boolean"])

            await until("the new project behind /sparql", log, materialised, timeout_s=180)
            queried_after_s = time.monotonic() - back
            restarted = sorted({entry["role"] for entry in _logged_events(log, "role.failed")})
            figures = (
                f"outage {outage_s:.0f} s: /readyz 503 {statuses.count(503)} of {len(statuses)} probes; "
                f"ready {ready_after_s:.1f} s after the broker returned, partner topic {routed_after_s:.1f} s, "
                f"SPARQL {queried_after_s:.1f} s; roles restarted: {', '.join(restarted) or 'none'}"
            )
        proc.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(proc.wait, 60) == 0, log_tail(log)
        return figures
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
