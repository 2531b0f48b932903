"""The API app served from a background thread, for synchronous clients (the CLI, schemathesis)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiohttp import web

from hub.api.app import make_app
from hub.api.keys import Registry
from hub.config import HubSettings
from tests.api.conftest import ADMIN_TOKEN, KEYRING, FakeConnector, OtherConnector, fake_resolver, memory_registry


@dataclass(frozen=True)
class LiveApi:
    """A served app: its URL, its tables and the admin's headers."""

    url: str
    registry: Registry

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@contextmanager
def live_api(settings: HubSettings) -> Iterator[LiveApi]:
    """Serve the app on a free loopback port in its own thread and event loop until the block exits."""
    registry = memory_registry()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    address: list[str] = []

    async def serve() -> None:
        app = make_app(
            settings,
            registry=registry,
            connector_types={"fake": FakeConnector, "other": OtherConnector},
            resolver=fake_resolver,
            secrets_keys=lambda: KEYRING,
        )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        address.append(f"http://{host}:{port}")
        ready.set()
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the API did not start")
    try:
        yield LiveApi(address[0], registry)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
