"""Two ``hub worker`` processes share six connectors; after one is SIGKILLed the other runs all six."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.api.kafka import KafkaRegistry, api_topics
from hub.api.status import ConnectorStatus, WorkerRecord
from hub.config import ApiSettings, HubSettings, StreamSettings
from hub.stream.kafka import KafkaClients
from hub.stream.state import ConnectorRecord
from hub.stream.topics import ensure_topics, hub_topics
from hub.worker.group import ensure_assignment_topic, slot_of
from tests.api.zooniverse_replay import zooniverse_app

pytestmark = pytest.mark.integration

SLOTS = 12
# Slots split three and three between two members under both the round-robin and the range assignor.
WANTED_SLOTS = (0, 1, 5, 6, 10, 11)
SESSION_TIMEOUT_MS = 6000


def _names() -> list[str]:
    names: dict[int, str] = {}
    i = 0
    while len(names) < len(WANTED_SLOTS):
        name = f"zoo-{i}"
        slot = slot_of(name, SLOTS)
        if slot in WANTED_SLOTS and slot not in names:
            names[slot] = name
        i += 1
    return sorted(names.values())


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "hub", "worker"], env=env, stdout=handle, stderr=subprocess.STDOUT
        )


def _live(workers: list[WorkerRecord], now: datetime) -> list[WorkerRecord]:
    return [w for w in workers if not w.stopped and (now - w.heartbeat_at).total_seconds() < 10]


async def _wait(condition: Any, registry: Any, what: str, logs: list[Path], timeout_s: float = 150) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                await registry.refresh()
                if condition():
                    return
                await asyncio.sleep(0.5)
    except TimeoutError:
        tails = "\n".join(f"--- {log.name}\n" + log.read_text()[-3000:] for log in logs)
        pytest.fail(f"timed out waiting for {what}\n{tails}")


async def test_a_killed_workers_connectors_move_to_the_other(
    aiohttp_server: Any, kafka: KafkaClients, unique_name: str, tmp_path: Path
) -> None:
    """Both workers run some of the six; SIGKILL one; after one rebalance the survivor has run all six."""
    settings = HubSettings(
        kafka_bootstrap=kafka.bootstrap,
        kafka=kafka.security,
        stream=StreamSettings(topic_prefix=unique_name),
        api=ApiSettings(worker_slots=SLOTS, outbound_allow=("127.0.0.1/32",)),
    )
    await ensure_topics(kafka, [*hub_topics(settings), *api_topics(settings)], settings)
    await ensure_assignment_topic(kafka, settings)
    replay = await aiohttp_server(zooniverse_app())
    names = _names()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            **kafka.environment(),
            "HUB_STREAM__TOPIC_PREFIX": unique_name,
            "HUB_API__WORKER_SLOTS": str(SLOTS),
            "HUB_API__WORKER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
            "HUB_API__OUTBOUND_ALLOW": json.dumps(["127.0.0.1/32"]),
            "HUB_STATE_DIR": str(tmp_path / "state"),
            "HUB_LOG_FORMAT": "json",
        }
    )
    tables = KafkaRegistry(kafka, settings)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    procs: list[subprocess.Popen[bytes]] = []
    async with tables.running(refresh_s=3600) as registry:
        for name in names:
            record = ConnectorRecord(
                name=name,
                type="zooniverse",
                config={"base_url": str(replay.make_url("/api/"))},
                schedule_interval_s=3,
            )
            await registry.connectors.put(name, record)
        try:
            procs = [_worker(env, log) for log in logs]

            def workers() -> list[WorkerRecord]:
                return _live([w for _, w in registry.workers.items()], datetime.now(UTC))

            def shared() -> bool:
                live = workers()
                return (
                    len(live) == 2
                    and all(w.connectors for w in live)
                    and sorted(n for w in live for n in w.connectors) == names
                )

            await _wait(shared, tables, "two workers sharing the six connectors", logs)
            victim = next(w for w in workers() if w.pid == procs[0].pid)
            survivor = next(w for w in workers() if w.pid == procs[1].pid)
            assert 0 < len(victim.connectors) < len(names)
            killed_at = datetime.now(UTC)
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait(timeout=30)

            done: set[str] = set()

            def taken_over() -> bool:
                owner = registry.workers.get(survivor.id)
                if owner is None or owner.connectors != names:
                    return False
                for name in names:
                    status = registry.status.get(name)
                    if (
                        isinstance(status, ConnectorStatus)
                        and status.worker == survivor.id
                        and status.started_at is not None
                        and status.started_at > killed_at
                        and status.state in {"idle", "degraded"}
                        and status.error is None
                    ):
                        done.add(name)
                return done == set(names)

            await _wait(taken_over, tables, "the survivor to run all six connectors", logs)
            moved = set(victim.connectors)
            assert moved <= done
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
