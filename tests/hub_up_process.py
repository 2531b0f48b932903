"""`hub up` as a child process for end-to-end tests: its environment, its start, and waiting on it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.stream.kafka import KafkaClients


def hub_up_env(
    kafka: KafkaClients, prefix: str, state_dir: Path, port: int, admin_token: str, **extra: str
) -> dict[str, str]:
    """This process's environment without its ``HUB_*`` variables, plus a hub on the test's broker and topics.

    The replays listen on loopback, which the outbound check refuses unless allowed; logs are JSON lines.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            **kafka.environment(),
            "HUB_STREAM__TOPIC_PREFIX": prefix,
            "HUB_STATE_DIR": str(state_dir),
            "HUB_API__PORT": str(port),
            "HUB_API__ADMIN_TOKEN": admin_token,
            "HUB_API__OUTBOUND_ALLOW": json.dumps(["127.0.0.1/32"]),
            "HUB_LOG_FORMAT": "json",
            **extra,
        }
    )
    return env


def log_tail(log: Path) -> str:
    return log.read_text()[-4000:]


def start_hub(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """``hub <args>`` with its standard output and error in ``log``."""
    with log.open("wb") as handle:
        command = [sys.executable, "-m", "hub", *args]  # the hub itself, with arguments the test chose
        return subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603


def start_hub_up(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``hub up`` with its standard output and error in ``log``."""
    return start_hub(env, log, "up")


def stop_all(procs: list[subprocess.Popen[bytes]], timeout_s: float = 60) -> None:
    """SIGTERM every child still running, then wait for each (SIGKILL one that does not stop in time)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def until(what: str, log: Path, check: Callable[[], Awaitable[Any]], timeout_s: float = 180) -> Any:
    """The first true result of ``check``, polled until ``timeout_s``; else the test fails with the log's tail."""
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                result = await check()
                if result:
                    return result
                await asyncio.sleep(0.5)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}\n--- hub up log\n{log_tail(log)}")


async def register_zooniverse_for_ecsa(
    http: aiohttp.ClientSession, api: str, admin: dict[str, str], replay_api: str
) -> tuple[dict[str, str], str]:
    """Register connector ``zooniverse-main`` on a Panoptes replay, give partner ``ecsa`` a token, and subscribe it
    to "projects on Zooniverse"; returns the partner's headers and its topic."""
    connector = {
        "name": "zooniverse-main",
        "type": "zooniverse",
        "config": {"base_url": replay_api},
        "schedule_interval_s": 3600,
    }
    async with http.post(f"{api}/connectors", json=connector, headers=admin) as response:
        assert response.status == 201, await response.text()
    async with http.post(
        f"{api}/tokens", json={"scopes": ["partner:ecsa"], "allow_new": True}, headers=admin
    ) as response:
        partner = {"Authorization": f"Bearer {(await response.json())['token']}"}
    subscription = {"entity_types": ["projects"], "platforms": ["zooniverse"]}
    async with http.put(
        f"{api}/partners/ecsa/subscriptions/zooniverse-projects", json=subscription, headers=partner
    ) as response:
        assert response.status == 201, await response.text()
        topic: str = (await response.json())["topics"][0]
    return partner, topic
