"""A normal start, a sync, a connector delete and Ctrl-C log no error and no warning (from the hub or a library).

Operators watch for ERROR lines; if normal operation prints them, real failures drown. Every line `hub up` writes
is read back: JSON log lines by level, and anything else (a library's warning printed by Python) as a problem.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.stream.kafka import KafkaClients
from tests.api.test_hub_up_end_to_end import ADMIN, ADMIN_TOKEN
from tests.api.zooniverse_replay import zooniverse_app
from tests.hub_up_process import hub_up_env, start_hub_up, until

pytestmark = pytest.mark.integration


def _problems(log: Path) -> list[str]:
    problems = []
    for line in log.read_text().splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            problems.append(f"not a log line: {line}")
            continue
        if entry.get("level") not in ("debug", "info"):
            problems.append(line)
    return problems


async def test_start_sync_delete_and_ctrl_c_log_nothing_alarming(
    aiohttp_server: Any, kafka: KafkaClients, unique_name: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    replay = await aiohttp_server(zooniverse_app())
    env = hub_up_env(
        kafka,
        unique_name,
        tmp_path / "state",
        unused_tcp_port,
        ADMIN_TOKEN,
        HUB_ANONYMISATION_SECRET="clean-logs-test-secret-0123456789",
    )
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
            body = {"name": "zoo", "type": "zooniverse", "config": {"base_url": str(replay.make_url("/api/"))}}
            async with http.post(f"{api}/connectors", json=body, headers=ADMIN) as response:
                assert response.status == 201, await response.text()

            async def synced() -> bool:
                async with http.get(f"{api}/connectors/zoo/runs", headers=ADMIN) as response:
                    runs = (await response.json())["runs"]
                return bool(runs) and runs[0]["outcome"] == "succeeded"

            await until("a successful run", log, synced)
            async with http.delete(f"{api}/connectors/zoo", headers=ADMIN) as response:
                assert response.status == 204

            async def released() -> bool:
                return "scheduler.released" in log.read_text()

            await until("the worker to release the deleted connector", log, released)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _problems(log) == []
