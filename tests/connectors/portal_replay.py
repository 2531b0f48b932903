"""Replay servers and helpers for the national-portal connector tests: fixtures served in the platforms' shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.connectors import Batch, Connector, HttpClient
from hub.schema import HubModel

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(platform: str, name: str) -> str:
    """A fixture file's text."""
    return (FIXTURES / platform / name).read_text(encoding="utf-8")


def fixture_json(platform: str, name: str) -> Any:
    """A fixture file, decoded."""
    return json.loads(fixture_text(platform, name))


async def _no_sleep(_seconds: float) -> None:
    return None


@asynccontextmanager
async def http_client() -> AsyncIterator[HttpClient]:
    """An HttpClient on a fresh session that does not wait between retries."""
    async with aiohttp.ClientSession() as session:
        yield HttpClient(session, sleep=_no_sleep, jitter=lambda: 0.0)


def base_url(server: TestServer) -> str:
    """The replay server's root URL with a trailing slash."""
    return str(server.make_url("/"))


async def collect(connector: Connector, cursor: str | None = None) -> list[Batch]:
    """Every batch of one sync from ``cursor``."""
    return [batch async for batch in connector.fetch(cursor)]


def map_all(connector: Connector, batches: Sequence[Batch]) -> list[HubModel]:
    """Every model the batches' records map to, in order."""
    return [model for batch in batches for record in batch.records for model in connector.map(record)]


def by_iri(models: Sequence[HubModel]) -> dict[str, HubModel]:
    """Models keyed by IRI."""
    return {model.iri: model for model in models}


Handler = Callable[[web.Request], Any]


def json_route(body: Any, *, content_type: str = "application/json") -> Handler:
    """A handler that returns ``body`` (already decoded JSON, or text) and records each request's query."""

    async def handler(request: web.Request) -> web.StreamResponse:
        request.app[REQUESTS].append(dict(request.query) | {"_path": request.path})
        text = body if isinstance(body, str) else json.dumps(body)
        return web.Response(text=text, content_type=content_type)

    return handler


REQUESTS = web.AppKey("requests", list)


def replay_app(routes: Mapping[str, Handler]) -> web.Application:
    """An app serving GET ``routes``; ``app[REQUESTS]`` lists the queries it saw."""
    app = web.Application()
    app[REQUESTS] = []
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    return app
