"""Shared helpers of the Zooniverse and SciStarter tests: a replay server, an HttpClient that records its waits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from hub.connectors import Batch, Connector, HttpClient, RawRecord
from hub.schema import HubModel
from hub.schema.anonymise import Pseudonymiser
from tests.connectors.replay import Replay

PSEUDONYMISER = Pseudonymiser(SecretStr("zooniverse-tests-secret-0123456789"))
FAST: dict[str, Any] = {"backoff_base_s": 0, "requests_per_second": 1000}


class Waits:
    """Records the backoff waits instead of sleeping."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@asynccontextmanager
async def served(
    aiohttp_server: Any, make_app: Callable[[Replay], web.Application]
) -> AsyncIterator[tuple[Replay, str, HttpClient, Waits]]:
    """A replay server, its root URL, and an HttpClient whose waits are recorded, not slept."""
    replay = Replay()
    server: TestServer = await aiohttp_server(make_app(replay))
    waits = Waits()
    async with aiohttp.ClientSession() as session:
        yield replay, str(server.make_url("/")), HttpClient(session, sleep=waits, jitter=lambda: 0.0), waits


async def sync(connector: Connector, cursor: str | None = None) -> list[Batch]:
    """Every batch of one sync."""
    return [batch async for batch in connector.fetch(cursor)]


def records(batches: list[Batch], kind: str | None = None) -> list[RawRecord]:
    """The records of ``batches`` (of one kind, if given)."""
    return [r for b in batches for r in b.records if kind is None or r.kind == kind]


def mapped(connector: Connector, batches: list[Batch]) -> dict[str, HubModel]:
    """Every model the batches map to, by IRI."""
    return {m.iri: m for r in records(batches) for m in connector.map(r)}
