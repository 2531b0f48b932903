"""SPARQL from one materialiser's own store: what ``hub materialise --serve`` listens with.

Every materialiser keeps a whole copy of the federation, so any number of them can answer queries side by side:
more instances, more query capacity (each with its own state directory and port, behind any HTTP load balancer).
The endpoint is the API's ``/sparql`` (`hub.dump.http.sparql`, same protocol, formats and limits) with the API's
rule for it: a bearer token with the ``analyst`` or ``admin`` scope. Tokens are read from the API's tokens topic,
which this process follows, so a token the API issues or revokes is honoured here within ``tokens_refresh_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from aiohttp import web

from hub.api.auth import TokenRecord, authenticate, hash_token
from hub.api.kafka import api_topic
from hub.api.problems import ApiError, Handler, error_middleware
from hub.api.tables import Table
from hub.config import HubSettings
from hub.dump import http as dump_http
from hub.dump.store import HubStore
from hub.errors import StreamError
from hub.stream.kafka import KafkaClients
from hub.stream.state import StateTable

__all__ = ["SparqlServer", "sparql_server"]

log = structlog.get_logger(__name__)

_TOKENS = web.AppKey[Table[TokenRecord]]("serve_tokens")
_BOOTSTRAP = web.AppKey[str | None]("serve_bootstrap_hash")


@dataclass(frozen=True)
class SparqlServer:
    """Where a serving materialiser listens."""

    url: str


@web.middleware
async def _analysts_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/sparql"):
        principal = authenticate(request, request.app[_TOKENS], request.app[_BOOTSTRAP])
        if not (principal.admin or principal.analyst):
            raise ApiError(403, "forbidden", f"{request.path} needs an analyst or admin token")
    return await handler(request)


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _app(settings: HubSettings, store: HubStore, tokens: StateTable[TokenRecord]) -> web.Application:
    app = web.Application(middlewares=[error_middleware, _analysts_only])
    dump_http.setup(app, settings, store=store)
    app[_TOKENS] = tokens
    admin = settings.api.admin_token
    app[_BOOTSTRAP] = hash_token(admin.get_secret_value()) if admin is not None else None
    app.router.add_get("/sparql", dump_http.sparql)
    app.router.add_post("/sparql", dump_http.sparql)
    app.router.add_get("/healthz", _healthz)
    return app


@asynccontextmanager
async def sparql_server(
    settings: HubSettings,
    kafka: KafkaClients,
    store: HubStore,
    *,
    host: str,
    port: int,
    tokens_refresh_s: float = 2.0,
) -> AsyncIterator[SparqlServer]:
    """Serve ``/sparql`` from ``store`` on ``host:port`` (0: any free port) until the block exits."""
    async with StateTable(kafka, api_topic(settings, "tokens"), TokenRecord) as tokens:
        refresher = asyncio.create_task(_follow(tokens, tokens_refresh_s), name="serve-tokens")
        runner = web.AppRunner(_app(settings, store, tokens), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound_host, bound_port = runner.addresses[0][:2]
            url = f"http://{bound_host}:{bound_port}"
            log.info("materialise.serving", url=url, store=str(store.path))
            yield SparqlServer(url=url)
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            await runner.cleanup()


async def _follow(tokens: StateTable[TokenRecord], every_s: float) -> None:
    """Keep the tokens current; a Kafka outage only delays revocations, it does not stop the queries."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await tokens.refresh()
        except (StreamError, TimeoutError) as exc:
            log.warning("materialise.tokens_refresh_failed", error=repr(exc))
