"""What ``hub demo`` does: the replay, the hub, a connector per replayed platform, one sync each, and a guide.

The replay listens on 127.0.0.1, which the outbound check refuses as a loopback address; the demo lists it in
the documented allow-list (``HUB_API__OUTBOUND_ALLOW``) for its own hub only, rather than loosening the check.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from importlib.util import find_spec
from typing import Any

import aiohttp
import click
from aiohttp import web

from hub.api.service import ensure_admin_token
from hub.config import HubSettings
from hub.demo.replay import DEMO_CONNECTORS, replay_app
from hub.errors import ConfigError, HubError

__all__ = ["demo_settings", "run_demo"]

REPLAY_HOST = "127.0.0.1"
PARTNER = "demo-partner"

Main = Callable[[HubSettings, asyncio.Event], Coroutine[Any, Any, None]]


def demo_settings(settings: HubSettings) -> HubSettings:
    """The settings with the replay's address allow-listed, as ``HUB_API__OUTBOUND_ALLOW=127.0.0.1`` would."""
    if settings.api.port == 0:
        raise ConfigError("hub demo needs a fixed API port: set HUB_API__PORT (not 0)")
    allow = tuple(dict.fromkeys([*settings.api.outbound_allow, REPLAY_HOST]))
    return ensure_admin_token(
        settings.model_copy(update={"api": settings.api.model_copy(update={"outbound_allow": allow})})
    )


async def _request(
    http: aiohttp.ClientSession, method: str, url: str, *, json: Any = None, ok: tuple[int, ...] = (200, 201, 202)
) -> Any:
    async with http.request(method, url, json=json) as response:
        body = await response.json(content_type=None) if response.status != 204 else None
        if response.status not in ok:
            raise HubError(f"{method} {url}: HTTP {response.status}: {body}")
        return body


async def _wait_ready(http: aiohttp.ClientSession, api: str, hub: asyncio.Task[None], deadline: float) -> None:
    while time.monotonic() < deadline:
        if hub.done():
            hub.result()  # the hub failed to start: its error
            raise HubError("the hub stopped before its API was ready")
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{api}/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise HubError(f"the hub API at {api} was not ready in time")


async def _register(http: aiohttp.ClientSession, api: str, replay: str) -> None:
    for demo in DEMO_CONNECTORS:
        existing = await _request(http, "GET", f"{api}/connectors/{demo.name}", ok=(200, 404))
        body = demo.body(replay)
        if existing and existing.get("name") == demo.name:
            # The replay's port changes from run to run: point the connector at this one, and sync again.
            await _request(
                http, "PUT", f"{api}/connectors/{demo.name}", json={k: v for k, v in body.items() if k != "name"}
            )
            await _request(http, "POST", f"{api}/connectors/{demo.name}/sync")
        else:
            await _request(http, "POST", f"{api}/connectors", json=body)
    subscription = {"entity_types": ["projects"], "countries": ["ES"]}
    await _request(http, "PUT", f"{api}/partners/{PARTNER}/subscriptions/spain", json=subscription)


async def _wait_synced(http: aiohttp.ClientSession, api: str, since: datetime, deadline: float) -> list[dict[str, Any]]:
    """The demo connectors' statuses once each has succeeded since ``since`` (or at the deadline)."""
    names = {demo.name for demo in DEMO_CONNECTORS}
    while True:
        listing = await _request(http, "GET", f"{api}/connectors?expand=status")
        statuses = [c["status"] for c in listing["connectors"] if c["name"] in names]
        done = [s for s in statuses if s["last_success_at"] and datetime.fromisoformat(s["last_success_at"]) >= since]
        if len(done) == len(names) or time.monotonic() >= deadline:
            return sorted(statuses, key=lambda s: s["name"])
        await asyncio.sleep(0.5)


def _guide(api: str, statuses: list[dict[str, Any]], settings: HubSettings, took_s: float) -> str:
    platforms = {demo.name: demo.platform for demo in DEMO_CONNECTORS}
    lines = [f"synced in {took_s:.1f}s from recordings of {len(platforms)} platforms (no network used):", ""]
    lines.append(f"  {'connector':<26}{'platform':<22}{'state':<10}{'published':>10}")
    for status in statuses:
        lines.append(
            f"  {status['name']:<26}{platforms[status['name']]:<22}{status['state']:<10}"
            f"{status['records_published']:>10}"
        )
    token_file = settings.state_dir / "admin-token"
    bootstrap = (
        settings.kafka_bootstrap
        or "$(hub kafka status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"bootstrap\"])')"
    )
    lines += [
        "",
        "where to look (Ctrl-C stops the demo):",
        f"  API docs     {api}/docs  (a browser opens it without a token)",
        f"  token        export HUB_TOKEN=$(cat {token_file})",
        f'  connectors   hub connectors list   |   curl -H "Authorization: Bearer $HUB_TOKEN" {api}/connectors',
        '  SPARQL       hub query "SELECT ?name WHERE { ?p <http://schema.org/name> ?name } LIMIT 10"',
        f'               curl -H "Authorization: Bearer $HUB_TOKEN" --data-urlencode \'query=SELECT (COUNT(*) AS ?n) '
        f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}' {api}/sparql",
        f"  partner      hub partners subscriptions {PARTNER}   (projects in Spain: --country ES)",
        f"               HUB_KAFKA_BOOTSTRAP={bootstrap} hub partners read {PARTNER}",
    ]
    if _has_portal():
        lines.append(f"  portal       {api}/")
    return "\n".join(lines)


def _has_portal() -> bool:
    """Whether the portal (hub.web) is installed, so that / serves it."""
    return find_spec("hub.web") is not None


async def run_demo(
    settings: HubSettings, stop: asyncio.Event, *, main: Main, replay_port: int, timeout_s: float = 60.0
) -> None:
    """Serve the replay, run the hub (``main``), register and sync the demo connectors, and print the guide.

    Everything stays up until ``stop`` is set (Ctrl-C) or the hub stops.
    """
    runner = web.AppRunner(replay_app(), access_log=None)
    await runner.setup()
    # A fixed port: connectors registered by an earlier demo run at once with the URL they have.
    site = web.TCPSite(runner, REPLAY_HOST, replay_port)
    await site.start()
    replay = f"http://{REPLAY_HOST}:{replay_port}"
    api = f"http://{settings.api.host}:{settings.api.port}"
    started, since = time.monotonic(), datetime.now(UTC)
    hub = asyncio.create_task(main(settings, stop), name="hub")
    token = settings.api.admin_token.get_secret_value() if settings.api.admin_token else ""
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            await _wait_ready(http, api, hub, started + timeout_s)
            await _register(http, api, replay)
            statuses = await _wait_synced(http, api, since, started + timeout_s)
        click.echo(_guide(api, statuses, settings, time.monotonic() - started))
        await asyncio.wait([hub, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await hub
        await runner.cleanup()
