"""Snapshot connectors: read the platform's whole listing every run, so that the stream layer can mark and sweep.

A platform without a change marker to ask for is synced as a snapshot: the last batch of a complete run says
``snapshot_complete`` and the stream layer deletes what it did not see (:func:`hub.connectors.sweep.plan_sweep`).
Two walks serve every such platform:

- :class:`ListedSnapshotConnector`: the connector reads the listing (one file, a feed, a few listings) into
  records; the framework cuts it into batches whose cursors count what was committed, so a broken run resumes.
- :class:`PagedSnapshotConnector`: a paged JSON listing asked conditionally; an unchanged listing costs one 304
  per page and yields nothing, and a listing with any change is read whole (pages that answered 304 are read
  again without validators) so that the sweep knows every record that still exists. Page counts and totals are
  not trusted: a walk ends at an empty page.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal

import orjson
from typing_extensions import override

from hub.connectors._http import ConditionalCache, Page, page_number, paginate, redact_url
from hub.connectors.base import Batch, Connector, RawRecord, unparsed_payload
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.errors import SchemaError
from hub.schema import DataService, HubModel, Platform
from hub.schema.iris import mint_iri, platform_iri

__all__ = [
    "ListedSnapshotConnector",
    "PagedSnapshotConnector",
    "SnapshotConnector",
    "snapshot_batches",
    "snapshot_offset",
]


def snapshot_offset(cursor: str | None, *, connector: str) -> int:
    """Where a snapshot run that stopped part-way resumes: the number of records already committed."""
    state = decode_cursor(cursor, connector=connector)
    offset = state.get("snapshot_offset", 0)
    return offset if isinstance(offset, int) and offset >= 0 else 0


def snapshot_batches(records: Sequence[RawRecord], *, page_size: int, start: int = 0) -> Iterator[Batch]:
    """Cut a complete platform listing into batches; the last says ``snapshot_complete``.

    Each cursor counts the records committed so far, so a run that crashes resumes after them (the stream layer
    keeps what it saw before the crash for the sweep). The last cursor is ``None``: the next run is a fresh snapshot.
    An empty listing still yields one (empty, complete) batch, so that a platform that lost everything is noticed
    by the sweep, whose share limit then refuses it.
    """
    total = len(records)
    offset = min(start, total)
    if offset >= total:
        yield Batch(records=(), cursor=None, snapshot_complete=True)
        return
    while offset < total:
        chunk = records[offset : offset + page_size]
        offset += len(chunk)
        last = offset >= total
        cursor = None if last else encode_cursor({"snapshot_offset": offset})
        yield Batch(records=tuple(chunk), cursor=cursor, snapshot_complete=last)


class SnapshotConnector(Connector):
    """Base of every snapshot connector: its runs end with a ``snapshot_complete`` batch the sweep acts on."""

    sync_mode: ClassVar[Literal["incremental", "snapshot"]] = "snapshot"


class ListedSnapshotConnector(SnapshotConnector):
    """A snapshot read as one listing and cut into batches of ``page_size`` records by the framework."""

    @abc.abstractmethod
    async def listing(self) -> Sequence[RawRecord]:
        """Every record the platform lists now, in a stable order (a resumed run skips the committed ones).

        A listed item without an id still becomes a record, with :func:`~hub.connectors.base.unparsed_payload`,
        so that it reaches the dead-letter topic instead of vanishing.
        """

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        """The listing in batches after the committed ones; the last has ``snapshot_complete``."""
        start = snapshot_offset(cursor, connector=self.name)
        records = await self.listing()
        for batch in snapshot_batches(records, page_size=self.config.page_size, start=start):
            yield batch


class PagedSnapshotConnector(SnapshotConnector):
    """A paged JSON listing walked conditionally (see the module doc); the platform itself is one of its records.

    Subclasses name the listing (:meth:`first_url`, :attr:`items_key`, :meth:`native_id`), the platform
    (:meth:`platform_record`, :attr:`platform_name`, :attr:`platform_url`) and map one item (:meth:`project`).
    """

    items_key: ClassVar[str]
    id_field: ClassVar[str]
    kind: ClassVar[str] = "project"
    first_page: ClassVar[int] = 1
    #: The platform's name and home page, for its Platform record.
    platform_name: ClassVar[str]
    platform_url: ClassVar[str]

    @abc.abstractmethod
    def first_url(self) -> str:
        """The first page of the listing."""

    def headers(self) -> dict[str, str]:
        """Request headers (auth)."""
        return {}

    def secret_params(self) -> dict[str, str | int]:
        """Query parameters that carry credentials: sent with each request, kept out of URLs we store."""
        return {}

    @abc.abstractmethod
    def native_id(self, item: Mapping[str, Any]) -> str:
        """The platform's immutable id of one listed item (``""`` when it has none)."""

    @abc.abstractmethod
    def platform_record(self) -> RawRecord:
        """The platform itself, yielded in the last batch of every complete snapshot."""

    @abc.abstractmethod
    def project(self, record: RawRecord, item: Mapping[str, Any]) -> HubModel:
        """One listed item -> Project (``raise self.skip`` for one that cannot be)."""

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        """The platform record -> Platform; a listed item -> Project (with data-quality flags for what did not map)."""
        payload = self.require_parsed(record)
        if record.kind == "platform":
            return [_platform(self.platform, self.platform_name, self.platform_url, str(payload.get("api")))]
        try:
            return [self.project(record, payload)]
        except SchemaError as exc:
            raise self.skip(record, str(exc)) from exc

    def items(self, data: Any) -> list[Any]:
        """The records of a page body."""
        items = data.get(self.items_key) if isinstance(data, Mapping) else None
        return list(items) if isinstance(items, list) else []

    def _records(self, page: Page) -> list[RawRecord]:
        source = redact_url(page.url)
        out = []
        for position, item in enumerate(self.items(page.data)):
            if isinstance(item, Mapping) and self.native_id(item):
                out.append(RawRecord(self.platform, self.kind, self.native_id(item), item, source))
            else:
                # Without its id a record cannot be swept or keyed; it still goes to the dead-letter topic.
                native = f"{source}#{position}"
                text = orjson.dumps(item).decode()[:2000]
                payload = unparsed_payload(text, f"listed item {position} has no {self.id_field!r}")
                out.append(RawRecord(self.platform, self.kind, native, payload, source))
        return out

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        """The whole listing, page by page; the last batch has ``snapshot_complete`` unless nothing changed."""
        state = decode_cursor(cursor, connector=self.name)
        cache = ConditionalCache.from_json(state.get("etags"))
        resume = state.get("resume")
        first = resume if isinstance(resume, str) else self.first_url()
        # Pages that answered 304 in this run (and, when resuming, in the part of it before the break).
        unchanged: list[str] = list(state.get("unchanged") or []) if resume else []
        changed = bool(state.get("changed")) if resume else False
        async for page in paginate(
            self.http,
            first,
            next_url=page_number(self.items, first_page=self.first_page),
            connector=self.name,
            headers=self.headers(),
            secret_params=self.secret_params(),
            cache=cache,
        ):
            if page.not_modified:
                unchanged.append(page.url)
                continue
            changed = True
            position = {"etags": cache.to_json(), "unchanged": unchanged, "changed": True, "resume": page.next_url}
            yield Batch(self._records(page), encode_cursor(position))
        if not changed:
            # Every page answered 304: nothing changed and nothing needs sweeping.
            return
        # Something changed: read again, without validators, the pages that answered 304, so that the sweep
        # sees every record that still exists (the publisher drops the unchanged ones by content hash). The
        # platform itself is part of every complete snapshot, or the sweep would delete it.
        records: list[RawRecord] = [self.platform_record()]
        for url in unchanged:
            response = await self.http.get(
                url, connector=self.name, headers=self.headers(), params=self.secret_params()
            )
            records.extend(self._records(Page(url, response.data, False, None)))
        yield Batch(records, encode_cursor({"etags": cache.to_json()}), snapshot_complete=True)


def _platform(slug: str, name: str, url: str, api: str) -> Platform:
    return Platform(
        iri=platform_iri(slug),
        name=name,
        url=url,
        service=[DataService(iri=mint_iri("service", slug, "api"), endpoint_url=api)]
        if api.startswith(("http://", "https://"))
        else [],
    )
