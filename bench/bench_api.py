"""API requests per second, against ``GET /healthz`` (no token, no body) measured in the same run as baseline.

The app runs in-process over in-memory tables holding ``--connectors`` Zooniverse connectors; one client sends
requests one after another, so the figures are per-request costs: token check, masking of secrets, status view,
config validation (with the outbound check against a fake resolver).

    .venv/bin/python bench/bench_api.py
    .venv/bin/python bench/bench_api.py --connectors 2000 --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from hub.api.app import make_app
from hub.api.keys import Registry
from hub.api.tables import MemoryTable
from hub.config import ApiSettings, HubSettings
from hub.stream.state import ConnectorRecord

TOKEN = "bench-admin-token-0123456789abcdefghij"  # noqa: S105 - a local benchmark token


async def _public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


def _registry(count: int) -> Registry:
    connectors: MemoryTable[ConnectorRecord] = MemoryTable()
    for index in range(count):
        name = f"zoo-{index}"
        config = {"base_url": "https://www.zooniverse.org/api/", "token": f"secret-{index}", "page_size": 50}
        connectors[name] = ConnectorRecord(name=name, type="zooniverse", config=config, schedule_interval_s=3600)
    return Registry(
        connectors=connectors,
        cursors=MemoryTable(),
        status=MemoryTable(),
        partners=MemoryTable(),
        tokens=MemoryTable(),
        commands=MemoryTable(),
        workers=MemoryTable(),
    )


async def _rate(session: aiohttp.ClientSession, method: str, url: str, count: int, **kwargs: Any) -> float:
    started = time.perf_counter()
    for _ in range(count):
        async with session.request(method, url, **kwargs) as response:
            await response.read()
            if response.status >= 400:
                raise RuntimeError(f"{method} {url}: {response.status}")
    return count / (time.perf_counter() - started)


async def main(connectors: int, requests: int) -> None:
    settings = HubSettings(api=ApiSettings(admin_token=SecretStr(TOKEN)))
    app = make_app(settings, registry=_registry(connectors), resolver=_public)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    config = {"base_url": "https://www.zooniverse.org/api/", "token": "x"}
    cases = [
        ("GET /healthz (baseline)", "GET", "/healthz", requests, {}),
        ("GET /connectors/{name}", "GET", "/connectors/zoo-7", requests, {"headers": auth}),
        ("GET /connectors/{name}/status", "GET", "/connectors/zoo-7/status", requests, {"headers": auth}),
        (
            "PUT .../config/validate",
            "PUT",
            "/connector-types/zooniverse/config/validate",
            requests,
            {"headers": auth, "json": config},
        ),
        (f"GET /connectors ({connectors})", "GET", "/connectors", max(5, requests // 50), {"headers": auth}),
    ]
    try:
        async with aiohttp.ClientSession() as session:
            await _rate(session, "GET", base + "/healthz", 50)  # warm up
            baseline = 0.0
            print(f"{'request':36} {'req/s':>10} {'vs baseline':>12}")
            for label, method, path, count, kwargs in cases:
                rate = await _rate(session, method, base + path, count, **kwargs)
                baseline = baseline or rate
                print(f"{label:36} {rate:10.0f} {rate / baseline:12.2f}")
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connectors", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.connectors, args.requests))
