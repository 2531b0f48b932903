"""Zooniverse classifications of one project through the Panoptes API (``/classifications/project``).

Pages are followed by ``next_href`` only: on classifications Panoptes reports fake counts (``count: 0``,
``page_count: 0``, ``next_page: 2`` beside ``next_href: null``), and it labels the JSON ``text/html``. The cursor is
the highest classification id committed; the next sync asks ``last_id=<it>``, conditionally, so an unchanged
project costs one request answered 304 (or an empty page where the server gives no validators).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, HttpUrl, SecretStr
from typing_extensions import override

from hub.connectors._http import ConditionalCache, next_href, paginate
from hub.connectors.base import Batch, Connector, ConnectorConfig, RawRecord
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.connectors.zooniverse import PLATFORM, panoptes_headers, panoptes_items
from hub.connectors.zooniverse_classification import (
    ClassificationConnectorConfig,
    contribution_from_payload,
    scrub_api_classification,
)
from hub.errors import SchemaError
from hub.schema import HubModel

__all__ = ["ZooniverseClassificationsConfig", "ZooniverseClassificationsConnector"]


class ZooniverseClassificationsConfig(ClassificationConnectorConfig):
    """Settings of the ``zooniverse-classifications`` connector (``logged_out`` included)."""

    base_url: HttpUrl = Field(HttpUrl("https://www.zooniverse.org/api/"), description="Panoptes API root.")
    page_size: int = Field(100, ge=1, le=100, description="Panoptes serves at most 100 per page.")
    token: SecretStr = Field(description="Bearer token of a collaborator on the project.")
    project_id: str = Field(pattern=r"^\d+$")
    workflow_id: str | None = Field(None, pattern=r"^\d+$", description="Only this workflow's classifications.")


class ZooniverseClassificationsConnector(Connector):
    """A project's classifications, incrementally by id."""

    name: ClassVar[str] = "zooniverse-classifications"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = ZooniverseClassificationsConfig
    sync_mode: ClassVar[Literal["incremental", "snapshot"]] = "incremental"
    maps_in_workers: ClassVar[bool] = True

    config: ZooniverseClassificationsConfig

    @property
    def api_root(self) -> str:
        """The Panoptes API root without a trailing slash."""
        return str(self.config.base_url).rstrip("/")

    def _first_url(self, last_id: int | None) -> str:
        url = f"{self.api_root}/classifications/project?project_id={self.config.project_id}"
        url += f"&page_size={self.config.page_size}"
        if self.config.workflow_id:
            url += f"&workflow_id={self.config.workflow_id}"
        return url + (f"&last_id={last_id}" if last_id is not None else "")

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        """Classifications with ids above the cursor's, a page per batch."""
        state = decode_cursor(cursor, connector=self.name)
        high = state.get("last_id") if isinstance(state.get("last_id"), int) else None
        stored = ConditionalCache.from_json(state.get("etags"))
        headers = panoptes_headers(self.config.token)
        while True:
            first = self._first_url(high)
            # Only the entry URL of the current position is remembered: it is what the next sync asks first.
            cache = ConditionalCache({first: v} if (v := stored.get(first)) else {})
            new = 0
            async for page in paginate(
                self.http,
                first,
                next_url=next_href(self.api_root, "classifications"),
                connector=self.name,
                headers=headers,
                cache=cache,
            ):
                if page.not_modified:
                    break
                records = []
                for item in panoptes_items(page.data, "classifications"):
                    cid = str(item.get("id", ""))
                    if high is not None and cid.isdigit() and int(cid) <= high:
                        continue
                    records.append(self._record(item, page.url))
                    if cid.isdigit():
                        high = int(cid) if high is None else max(high, int(cid))
                new += len(records)
                stored = ConditionalCache({first: v} if (v := cache.get(first)) else {})
                yield Batch(records, encode_cursor({"last_id": high, "etags": stored.to_json()}))
            if not new:
                # The position's entry page holds nothing new: its validators are in the cursor already.
                return

    def _record(self, item: Mapping[str, Any], url: str) -> RawRecord:
        payload = scrub_api_classification(item, pseudonymiser=self.pseudonymiser, logged_out=self.config.logged_out)
        return RawRecord(PLATFORM, "classification", str(item.get("id", "")), payload, url)

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        """An API (or event-stream) classification -> one Contribution."""
        payload = self.require_parsed(record)
        try:
            return [contribution_from_payload(payload, project_id=self.config.project_id, source_url=record.source_url)]
        except (ValueError, SchemaError) as exc:
            raise self.skip(record, str(exc)) from exc
