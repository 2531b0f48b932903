"""The HTTP API as a long-running role (an async context manager), and its admin token."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import SecretStr

from hub.api.app import make_app
from hub.api.kafka import kafka_ready_check
from hub.api.keys import BackfillProbe, Registry
from hub.api.metrics import HubMetrics, LagProbe
from hub.config import HubSettings
from hub.connectors.base import Connector
from hub.stream.kafka import KafkaClients

__all__ = ["ApiServer", "admin_token_file", "api_server", "ensure_admin_token"]

log = structlog.get_logger(__name__)


def admin_token_file(settings: HubSettings) -> Path:
    """Where ``hub up`` keeps the admin token it generated when none was configured."""
    return settings.state_dir / "admin-token"


def ensure_admin_token(settings: HubSettings) -> HubSettings:
    """The settings with an admin token: the configured one, or one generated once into the state directory.

    The generated token is written with mode 0600 and never logged; the log says where it is.
    """
    if settings.api.admin_token is not None:
        return settings
    path = admin_token_file(settings)
    if path.exists():
        token = path.read_text().strip()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        token = f"hub_admin_{secrets.token_urlsafe(32)}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token + "\n")
    log.info("api.admin_token_file", path=str(path))
    api = settings.api.model_copy(update={"admin_token": SecretStr(token)})
    return settings.model_copy(update={"api": api})


@dataclass(frozen=True)
class ApiServer:
    """A running API: its base URL."""

    url: str


@asynccontextmanager
async def api_server(
    settings: HubSettings,
    registry: Registry,
    *,
    kafka: KafkaClients,
    metrics: HubMetrics | None = None,
    connector_types: Mapping[str, type[Connector]] | None = None,
    extra_routes: Iterable[web.AbstractRouteDef] = (),
    extra_setup: Callable[[web.Application], None] | None = None,
    backfill: BackfillProbe | None = None,
    router_lag: LagProbe | None = None,
    public_routes: Iterable[web.AbstractRouteDef] = (),
    middlewares: Sequence[Middleware] = (),
) -> AsyncIterator[ApiServer]:
    """Serve the API on ``settings.api.host:port`` until the block exits (``public_routes``: the portal)."""
    app = make_app(
        settings,
        registry=registry,
        connector_types=connector_types,
        ready_check=kafka_ready_check(kafka, settings),
        metrics=metrics,
        extra_routes=extra_routes,
        extra_setup=extra_setup,
        backfill=backfill,
        router_lag=router_lag,
        public_routes=public_routes,
        middlewares=middlewares,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.api.host, settings.api.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}"
        log.info("api.listening", url=url)
        yield ApiServer(url=url)
    finally:
        await runner.cleanup()
