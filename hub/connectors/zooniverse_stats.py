"""Contribution statistics of Zooniverse projects per period, from the ERAS statistics service.

ERAS answers ``GET /classifications?project_id=<id>&period=<day|week|month|year>`` with
``{"total_count": n, "data": [{"period": "<start of period>", "count": n}, ...]}``. Each period of each project is
one ContributionStatistics record. The URL of a project never changes between syncs, so an unchanged project costs
one conditional request; a changed one re-yields only the periods from the last one seen on (the open period
grows until it closes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field, HttpUrl, SecretStr
from typing_extensions import override

from hub.connectors._http import ConditionalCache
from hub.connectors._parsing import parse_moment
from hub.connectors.base import Batch, Connector, ConnectorConfig, RawRecord
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.connectors.zooniverse import PLATFORM
from hub.schema import ContributionStatistics, HubModel
from hub.schema.iris import mint_iri

__all__ = ["Period", "ZooniverseStatsConfig", "ZooniverseStatsConnector", "period_end"]

Period = Literal["day", "week", "month", "year"]


def period_end(start: datetime, period: Period) -> datetime:
    """The end (exclusive) of the period that begins at ``start``."""
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


class ZooniverseStatsConfig(ConnectorConfig):
    """Settings of the ``zooniverse-stats`` connector."""

    base_url: HttpUrl = Field(HttpUrl("https://eras.zooniverse.org/"), description="ERAS root.")
    project_ids: list[str] = Field(min_length=1, description="Zooniverse project ids to count.")
    period: Period = "week"
    start_date: date | None = Field(None, description="Count from this day on (ERAS' start_date).")
    token: SecretStr | None = Field(None, description="Bearer token, for ERAS endpoints that need one.")


class ZooniverseStatsConnector(Connector):
    """Classification counts per project and period."""

    name: ClassVar[str] = "zooniverse-stats"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = ZooniverseStatsConfig
    sync_mode: ClassVar[Literal["incremental", "snapshot"]] = "incremental"

    config: ZooniverseStatsConfig

    def _url(self, project_id: str) -> str:
        url = f"{str(self.config.base_url).rstrip('/')}/classifications?project_id={project_id}"
        url += f"&period={self.config.period}"
        if self.config.start_date:
            url += f"&start_date={self.config.start_date.isoformat()}"
        return url

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        """One batch per changed project: its periods from the last one seen on."""
        state = decode_cursor(cursor, connector=self.name)
        since: dict[str, str] = dict(state.get("since") or {})
        cache = ConditionalCache.from_json(state.get("etags"))
        headers = {"Authorization": f"Bearer {self.config.token.get_secret_value()}"} if self.config.token else {}
        for project_id in self.config.project_ids:
            url = self._url(project_id)
            resp = await self.http.get(url, connector=self.name, headers=headers, cache=cache)
            if resp.not_modified:
                continue
            records = []
            for bucket in _buckets(resp.data):
                start = str(bucket.get("period"))
                last = parse_moment(since.get(project_id), zoned=True)
                begins = parse_moment(start, zoned=True)
                if last is not None and begins is not None and begins < last:
                    continue
                native_id = f"{project_id}/{self.config.period}/{start[:10]}"
                payload = {**bucket, "project_id": project_id, "interval": self.config.period}
                records.append(RawRecord(PLATFORM, "statistics", native_id, payload, url))
                if begins is not None and (last is None or begins > last):
                    since[project_id] = begins.isoformat()
            yield Batch(records, encode_cursor({"since": since, "etags": cache.to_json()}))

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        """One period's count -> ContributionStatistics."""
        payload = self.require_parsed(record)
        start = parse_moment(payload.get("period"), zoned=True)
        count = payload.get("count")
        if start is None:
            raise self.skip(record, f"period {payload.get('period')!r} is not a timestamp")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise self.skip(record, f"count {count!r} is not a non-negative integer")
        project_id = str(payload.get("project_id"))
        interval = payload.get("interval")
        if interval not in ("day", "week", "month", "year"):
            raise self.skip(record, f"interval {interval!r} is not day, week, month or year")
        return [
            ContributionStatistics(
                iri=mint_iri("statistics", PLATFORM, record.native_id),
                project=mint_iri("project", PLATFORM, project_id),
                period_start=start,
                period_end=period_end(start, interval),
                classification_count=count,
                generated_at_time=self.clock(),
            )
        ]


def _buckets(data: Any) -> list[Mapping[str, Any]]:
    items = data.get("data") if isinstance(data, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
