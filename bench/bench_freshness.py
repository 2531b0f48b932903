"""Freshness: from the platform answering with a changed record to that change on a partner's topic.

A real ``hub up`` runs as a child process, with a Zooniverse connector on a local Panoptes replay and a partner
subscribed to "projects on Zooniverse". Each round changes one project on the replay (a new name, a newer
``updated_at``), asks the API for a sync (``POST /connectors/zooniverse-main/sync``) and waits until a
read_committed consumer of the partner topic sees the new name. Two figures per change:

- fetch → partner: from the replay's timestamp of the projects request that served the change to its arrival
  on the partner topic: sync start-up after the fetch, normalisation, the sync's transaction, the router's
  transaction and the consumer's fetch;
- API → partner: from the sync request to the API to the arrival (adds the command's way to the worker and the
  sync's start-up before its first fetch).

It prints p50 / p95 / max of both over ``--changes`` changes (goal: fetch → partner under 1 s), and the load.

    .venv/bin/python -m bench.bench_freshness --changes 10   # from the checkout's root (it uses tests' replay);
                                                             # starts a local broker (HUB_KAFKA_BOOTSTRAP unset)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from hub.config import load_settings
from hub.runtime import kafka_cluster
from hub.stream.kafka import KafkaClients
from tests.api.zooniverse_replay import PROJECTS, SERVED_PROJECTS, zooniverse_app
from tests.hub_up_process import hub_up_env, log_tail, start_hub_up

ADMIN_TOKEN = "bench-freshness-admin-token-" + uuid.uuid4().hex
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CONNECTOR = "zooniverse-main"
CHANGE_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _until(what: str, log: Path, check: Callable[[], Awaitable[Any]], timeout_s: float = 180) -> Any:
    """The first true result of ``check``, polled every 0.1 s until ``timeout_s``; else an error with the log."""
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                result = await check()
                if result:
                    return result
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise RuntimeError(f"timed out waiting for {what}\n--- hub up log\n{log_tail(log)}") from None


class Replay:
    """The Panoptes replay, with the wall-clock time of every projects request it served."""

    def __init__(self) -> None:
        self.app = zooniverse_app()
        self.project_requests: list[float] = []

        @web.middleware
        async def stamp(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
            if request.path == "/api/projects":
                self.project_requests.append(time.time())
            return await handler(request)

        self.app.middlewares.append(stamp)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        port = _free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}/api/"
        finally:
            await runner.cleanup()


class PartnerTopic:
    """A read_committed consumer of the partner topic that notes when each project name first arrives."""

    def __init__(self, kafka: KafkaClients, topic: str) -> None:
        self.kafka = kafka
        self.topic = topic
        self.arrived: dict[str, float] = {}

    async def run(self) -> None:
        consumer = self.kafka.committed_consumer(self.topic)
        await consumer.start()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=100)
                now = time.time()
                for records in batch.values():
                    for record in records:
                        if record.value is not None:
                            name = json.loads(record.value).get("projectName")
                            self.arrived.setdefault(str(name), now)
        finally:
            await consumer.stop()


async def _setup(http: aiohttp.ClientSession, api: str, replay_url: str, log: Path) -> str:
    """Register the connector, subscribe the partner; the partner topic's name once the first sync is there."""
    body = {
        "name": CONNECTOR,
        "type": "zooniverse",
        "config": {"base_url": replay_url},
        "schedule_interval_s": 3600,
    }
    async with http.post(f"{api}/connectors", json=body, headers=ADMIN) as response:
        if response.status != 201:
            raise RuntimeError(f"registering the connector: {response.status} {await response.text()}")
    async with http.post(f"{api}/tokens", json={"scopes": ["partner:ecsa"], "allow_new": True}, headers=ADMIN) as r:
        partner = {"Authorization": f"Bearer {(await r.json())['token']}"}
    subscription = {"entity_types": ["projects"], "platforms": ["zooniverse"]}
    async with http.put(
        f"{api}/partners/ecsa/subscriptions/zooniverse-projects", json=subscription, headers=partner
    ) as response:
        if response.status != 201:
            raise RuntimeError(f"subscribing the partner: {response.status} {await response.text()}")
        topic: str = (await response.json())["topics"][0]

    async def idle() -> bool:
        async with http.get(f"{api}/connectors/{CONNECTOR}/status", headers=ADMIN) as response:
            status: dict[str, Any] = await response.json()
        return bool(status["state"] == "idle" and status["records_published"] >= len(PROJECTS))

    await _until("the first sync", log, idle)
    return topic


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _rounds(
    http: aiohttp.ClientSession, api: str, replay: Replay, partner: PartnerTopic, changes: int, log: Path
) -> tuple[list[float], list[float]]:
    fetch_to_partner: list[float] = []
    api_to_partner: list[float] = []
    project = replay.app[SERVED_PROJECTS][0]  # what the replay serves (its own copy of the recording)
    for change in range(1, changes + 1):
        name = f"Seabird Watch Replay, change {change} {uuid.uuid4().hex[:6]}"
        # Newer than every earlier change, so the incremental connector (newest first, since its cursor) sees it.
        project["display_name"] = project["title"] = name
        project["updated_at"] = (datetime.now(UTC) + timedelta(seconds=change)).isoformat().replace("+00:00", "Z")
        served = len(replay.project_requests)
        asked = time.time()
        async with http.post(f"{api}/connectors/{CONNECTOR}/sync", headers=ADMIN) as response:
            if response.status != 202:
                raise RuntimeError(f"asking for a sync: {response.status} {await response.text()}")

        async def arrived(wanted: str = name) -> bool:
            return wanted in partner.arrived

        await _until(f"change {change} on the partner topic", log, arrived, CHANGE_TIMEOUT_S)
        if len(replay.project_requests) == served:
            raise RuntimeError(f"change {change} arrived without a projects request to the replay")
        fetched = replay.project_requests[served]
        fetch_to_partner.append(partner.arrived[name] - fetched)
        api_to_partner.append(partner.arrived[name] - asked)

        async def idle() -> bool:
            async with http.get(f"{api}/connectors/{CONNECTOR}/status", headers=ADMIN) as response:
                return bool((await response.json())["state"] == "idle")

        await _until("the sync to finish", log, idle)  # the next request must not meet a running sync
    return fetch_to_partner, api_to_partner


async def main(changes: int, keep_log: Path | None) -> None:
    settings = load_settings()
    replay = Replay()
    with tempfile.TemporaryDirectory(prefix="bench-freshness-") as tmp:
        work = Path(tmp)
        log = work / "hub-up.log"
        port = _free_port()
        api = f"http://127.0.0.1:{port}"
        async with kafka_cluster(settings) as kafka, replay.serving() as replay_url:
            env = hub_up_env(kafka, f"fresh-{uuid.uuid4().hex[:8]}", work / "state", port, ADMIN_TOKEN)
            proc = start_hub_up(env, log)
            partner: PartnerTopic | None = None
            reader: asyncio.Task[None] | None = None
            try:
                async with aiohttp.ClientSession() as http:

                    async def ready() -> bool:
                        if proc.poll() is not None:
                            raise RuntimeError(f"hub up exited with {proc.returncode}\n{log_tail(log)}")
                        try:
                            async with http.get(f"{api}/readyz") as response:
                                return response.status == 200
                        except aiohttp.ClientError:
                            return False

                    await _until("the API to be ready", log, ready)
                    topic = await _setup(http, api, replay_url, log)
                    partner = PartnerTopic(kafka, topic)
                    reader = asyncio.create_task(partner.run())
                    fetch_s, api_s = await _rounds(http, api, replay, partner, changes, log)
            finally:
                if reader is not None:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reader
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
                    try:
                        await asyncio.to_thread(proc.wait, 60)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
                if keep_log is not None:
                    await asyncio.to_thread(shutil.copyfile, log, keep_log)
    print(f"{changes} changes, one project each, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    for label, values in (("fetch -> partner topic", fetch_s), ("API sync -> partner topic", api_s)):
        print(
            f"{label:26s} p50 {_percentile(values, 0.5):6.3f} s  p95 {_percentile(values, 0.95):6.3f} s  "
            f"max {max(values):6.3f} s  ({', '.join(f'{v:.2f}' for v in values)})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=10, help="changes to time (default 10)")
    parser.add_argument("--keep-log", type=Path, help="copy hub up's log (JSON lines) here")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.changes, arguments.keep_log))
