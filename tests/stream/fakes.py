"""Stand-ins for the stream tests: a tiny hub model and an in-memory snapshot connector.

The connector is a real ``Connector`` subclass (so ``run_sync`` sees the production contract), whose platform
listing is a list of dicts the test can change between syncs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import aiohttp
from typing_extensions import override

from hub.connectors import Batch, Connector, ConnectorConfig, HttpClient, RawRecord, decode_cursor, encode_cursor
from hub.schema.base import HubModel
from hub.schema.iris import ID_BASE

BASE = ID_BASE + "project/fake/"


class Thing(HubModel):
    """A project-like record: an IRI, a name, keywords and countries (the context's ``keyword``, ``projectCountry``)."""

    ENTITY: ClassVar = "projects"
    TYPES: ClassVar = ("Project",)
    project_name: str
    keyword: tuple[str, ...] = ()
    project_country: tuple[str, ...] = ()


class FakeConfig(ConnectorConfig):
    """Where the fake platform "lives" does not matter: nothing is requested over HTTP."""

    base_url: Any = "https://fake.invalid/api/"
    page_size: int = 100


def row(native_id: int, title: str | None = None, **extra: Any) -> dict[str, Any]:
    """One platform record of the fake platform."""
    return {"id": str(native_id), "title": title or f"Project {native_id}", **extra}


class FakeConnector(Connector):
    """Pages through ``rows`` in snapshot mode; a row with ``"broken": true`` fails mapping."""

    name: ClassVar[str] = "fake"
    platform: ClassVar[str] = "fake"
    config_model: ClassVar[type[ConnectorConfig]] = FakeConfig
    sync_mode: ClassVar = "snapshot"

    def __init__(self, rows: list[dict[str, Any]], *, http: HttpClient, page_size: int = 100) -> None:
        super().__init__(FakeConfig(page_size=page_size), http=http)
        self.rows = rows

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        offset = int(decode_cursor(cursor, connector=self.name).get("offset", 0))
        size = self.config.page_size
        while True:
            page = self.rows[offset : offset + size]
            offset += len(page)
            done = offset >= len(self.rows)
            records = [
                RawRecord("fake", "project", r["id"], r, f"https://fake.invalid/api/projects?page={offset // size}")
                for r in page
            ]
            yield Batch(records, None if done else encode_cursor({"offset": offset}), snapshot_complete=done)
            if done:
                return

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = self.require_parsed(record)
        if payload.get("broken"):
            raise self.skip(record, "title is missing")
        return [
            Thing(
                iri=BASE + record.native_id,
                project_name=payload["title"],
                keyword=tuple(payload.get("keywords", ())),
                project_country=tuple(payload.get("countries", ())),
            )
        ]


def http_client(session: aiohttp.ClientSession) -> HttpClient:
    """An HttpClient for the fake connector (it never sends a request)."""
    return HttpClient(session)


class WorkerMappedConnector(FakeConnector):
    """The fake connector, declared fit for worker processes: it has the standard constructor a worker rebuilds it
    with (from its config; the listing is the test's, given apart, and never needed to map)."""

    maps_in_workers: ClassVar[bool] = True

    def __init__(self, config: FakeConfig, *, http: HttpClient, rows: list[dict[str, Any]] | None = None) -> None:
        super().__init__(rows or [], http=http, page_size=config.page_size)
