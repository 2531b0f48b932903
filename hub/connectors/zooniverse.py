"""Zooniverse projects, their workflows and organisations, from the Panoptes API.

Panoptes is JSON-API (``Accept: application/vnd.api+json; version=1``) with string ids and pages of at most 100.
Projects are read newest change first (``sort=-updated_at``): a sync stops at the first project not changed since
the last one, and an unchanged catalogue costs one conditional request (its first page answers 304). Pages are
followed by ``meta.projects.next_href`` only; Panoptes' counts are not trusted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, HttpUrl, SecretStr
from typing_extensions import override

from hub.connectors._http import ConditionalCache, next_href, paginate
from hub.connectors._parsing import as_text, nested_get, parse_moment
from hub.connectors._portal import FlaggedProject
from hub.connectors._vocab import FlagCollector, load_tables
from hub.connectors.base import Batch, Connector, ConnectorConfig, RawRecord
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.schema import (
    DataService,
    HubModel,
    Organisation,
    Platform,
    ProjectMedia,
    ProjectMediaType,
    ProjectStatus,
    ScientificProcessInvolved,
)
from hub.schema.iris import mint_iri, platform_iri

__all__ = [
    "PANOPTES_ACCEPT",
    "ZooniverseConfig",
    "ZooniverseConnector",
    "panoptes_headers",
    "panoptes_items",
]

PLATFORM = "zooniverse"
PANOPTES_ACCEPT = "application/vnd.api+json; version=1"
WEB_ROOT = "https://www.zooniverse.org"


def panoptes_headers(token: SecretStr | None) -> dict[str, str]:
    """The headers Panoptes wants: its JSON-API media type and, when given, the bearer token."""
    headers = {"Accept": PANOPTES_ACCEPT, "Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    return headers


class ZooniverseConfig(ConnectorConfig):
    """Settings of the ``zooniverse`` connector (projects, workflows, organisations)."""

    base_url: HttpUrl = Field(HttpUrl("https://www.zooniverse.org/api/"), description="Panoptes API root.")
    page_size: int = Field(100, ge=1, le=100, description="Panoptes serves at most 100 per page.")
    token: SecretStr | None = Field(None, description="Bearer token; public projects need none.")
    launch_approved_only: bool = Field(True, description="Only projects launched on zooniverse.org.")
    project_ids: list[str] = Field(default_factory=list, description="Restrict to these project ids.")
    include_workflows: bool = True
    include_organisations: bool = True


class ZooniverseConnector(Connector):
    """Zooniverse projects (with their workflows) and organisations, incrementally by ``updated_at``."""

    name: ClassVar[str] = "zooniverse"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = ZooniverseConfig
    sync_mode: ClassVar[Literal["incremental", "snapshot"]] = "incremental"

    config: ZooniverseConfig

    @property
    def api_root(self) -> str:
        """The Panoptes API root without a trailing slash."""
        return str(self.config.base_url).rstrip("/")

    def _first_projects_url(self) -> str:
        url = f"{self.api_root}/projects?sort=-updated_at&page_size={self.config.page_size}"
        if self.config.launch_approved_only:
            url += "&launch_approved=true"
        if self.config.project_ids:
            url += "&id=" + ",".join(sorted(self.config.project_ids))
        return url

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        """Changed projects (newest first, each with its workflows), then organisations; see the module doc."""
        state = decode_cursor(cursor, connector=self.name)
        since = state.get("since")
        run_max = state.get("run_max", since)
        cache = ConditionalCache.from_json(state.get("etags"))
        headers = panoptes_headers(self.config.token)

        def cursor_for(**extra: Any) -> str:
            return encode_cursor({"since": since, "etags": cache.to_json(), **extra})

        if cursor is None:
            # The platform itself, once, on a first sync.
            yield Batch([self._platform_record()], cursor_for())

        if state.get("phase") != "organisations":
            resume = state.get("resume")
            first = resume if isinstance(resume, str) else self._first_projects_url()
            # Newest first: a page answering 304 holds nothing new, and neither do the older ones after it. A
            # resumed run must not ask conditionally: the pages it still has to read were changed.
            page_cache = None if resume else cache
            read_any = False
            async for page in paginate(
                self.http,
                first,
                next_url=self._projects_next(since),
                connector=self.name,
                headers=headers,
                cache=page_cache,
            ):
                if page.not_modified:
                    break
                read_any = True
                projects = [p for p in panoptes_items(page.data, "projects") if _changed(p, since)]
                records: list[RawRecord] = []
                workflows: list[list[RawRecord]] = [[] for _ in projects]
                if self.config.include_workflows:
                    # One listing per project, concurrently; the per-host limits of HttpClient still apply.
                    workflows = list(
                        await asyncio.gather(*(self._workflows(str(p.get("id")), headers) for p in projects))
                    )
                for project, its_workflows in zip(projects, workflows, strict=True):
                    records.append(self._record("project", project, page.url))
                    records.extend(its_workflows)
                    run_max = _later(run_max, project.get("updated_at"))
                yield Batch(records, cursor_for(run_max=run_max, resume=page.next_url))
            since = run_max
            if read_any:
                yield Batch([], cursor_for(phase="organisations"))

        if self.config.include_organisations:
            url = f"{self.api_root}/organizations?page_size={self.config.page_size}"
            async for page in paginate(
                self.http,
                url,
                next_url=next_href(self.api_root, "organizations"),
                connector=self.name,
                headers=headers,
                cache=cache,
            ):
                if page.not_modified:
                    continue
                orgs = [
                    self._record("organisation", org, page.url) for org in panoptes_items(page.data, "organizations")
                ]
                yield Batch(orgs, cursor_for(phase="organisations"))
        yield Batch([], cursor_for())

    def _projects_next(self, since: str | None) -> Any:
        follow = next_href(self.api_root, "projects")

        def _next(url: str, data: Any) -> str | None:
            # Newest first: once a page holds a project unchanged since the last sync, the rest are older.
            if any(not _changed(p, since) for p in panoptes_items(data, "projects")):
                return None
            return follow(url, data)

        return _next

    async def _workflows(self, project_id: str, headers: Mapping[str, str]) -> list[RawRecord]:
        url = f"{self.api_root}/workflows?project_id={project_id}&page_size={self.config.page_size}"
        return [
            self._record("workflow", workflow, page.url)
            async for page in paginate(
                self.http, url, next_url=next_href(self.api_root, "workflows"), connector=self.name, headers=headers
            )
            for workflow in panoptes_items(page.data, "workflows")
        ]

    def _record(self, kind: str, item: Mapping[str, Any], url: str) -> RawRecord:
        return RawRecord(PLATFORM, kind, str(item.get("id", "")), item, url)

    def _platform_record(self) -> RawRecord:
        payload = {"name": "Zooniverse", "url": WEB_ROOT, "api": self.api_root}
        return RawRecord(PLATFORM, "platform", PLATFORM, payload, self.api_root)

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        """Project -> Project; organisation -> Organisation; platform -> Platform; workflows stay raw only."""
        payload = self.require_parsed(record)
        if record.kind == "project":
            return [self._map_project(record, payload)]
        if record.kind == "organisation":
            return [self._map_organisation(record, payload)]
        if record.kind == "platform":
            return [_platform_model(str(payload.get("api", self.api_root)))]
        if record.kind == "workflow":
            # The hub has no workflow entity; the verbatim workflow stays on the raw topic, and contributions
            # refer to it by IRI.
            return []
        raise self.skip(record, f"unknown record kind {record.kind!r}")

    def _map_project(self, record: RawRecord, p: Mapping[str, Any]) -> HubModel:
        native_id = record.native_id
        name = as_text(p.get("display_name")) or as_text(p.get("title"))
        if not native_id or not name:
            raise self.skip(record, "a project needs an id and a display_name")
        flags = FlagCollector()
        tables = load_tables(PLATFORM)
        state = as_text(p.get("state"))
        if state is None:
            # Projects from before Panoptes had `state` carry the Ouroboros status in legacy_attributes.
            legacy = nested_get(p, "configuration", "legacy_attributes", "status")
            live = p.get("live")
            state = as_text(legacy) or ("live" if live is True else "development" if live is False else None)
            flags.add("state", state or "", "no `state`; derived from legacy status or `live`")
        status = tables["projectStatus"].map_one(state, flags, source_field="state")
        slug = as_text(p.get("slug"))
        listing = f"{WEB_ROOT}/projects/{slug}" if slug else None
        redirect = as_text(p.get("redirect"))
        media = []
        avatar = as_text(p.get("avatar_src"))
        if avatar and avatar.startswith(("http://", "https://")):
            media.append(ProjectMedia(project_media_type=ProjectMediaType("Image URL"), project_media_file=avatar))
        org = nested_get(p, "links", "organization")
        fields: dict[str, Any] = {
            "iri": mint_iri("project", PLATFORM, native_id),
            "project_id": native_id,
            "project_name": name,
            "project_aim": as_text(p.get("description")),
            "project_description": as_text(p.get("introduction")) or as_text(p.get("description")),
            "project_date_created": parse_moment(p.get("created_at"), zoned=True),
            "project_last_updated_date": parse_moment(p.get("updated_at"), zoned=True),
            "project_start_date": parse_moment(p.get("launch_date"), zoned=True),
            "project_status": ProjectStatus(status) if status else None,
            "keyword": [t for t in p.get("tags") or [] if isinstance(t, str) and t.strip()],
            "language": as_text(p.get("primary_language")),
            "project_url": redirect if redirect and redirect.startswith(("http://", "https://")) else listing,
            "project_media": media,
            "scientific_process_involved": [ScientificProcessInvolved("Classification or tagging")],
            "hosted_on": [platform_iri(PLATFORM)],
            "same_as": [listing] if listing else [],
            "project_external_id": [f"zooniverse:{native_id}"],
            "project_original_repository": ["Zooniverse"],
            "responsible_party": mint_iri("organisation", PLATFORM, str(org)) if isinstance(org, str | int) else None,
        }
        return FlaggedProject(**fields, data_quality_flag=flags.texts())

    def _map_organisation(self, record: RawRecord, o: Mapping[str, Any]) -> HubModel:
        name = as_text(o.get("display_name")) or as_text(o.get("title"))
        if not record.native_id or not name:
            raise self.skip(record, "an organisation needs an id and a display_name")
        slug = as_text(o.get("slug"))
        return Organisation(
            iri=mint_iri("organisation", PLATFORM, record.native_id),
            name=name,
            description=as_text(o.get("description")),
            url=f"{WEB_ROOT}/organizations/{slug}" if slug else None,
            hosted_on=[platform_iri(PLATFORM)],
        )


def _platform_model(api: str) -> Platform:
    return Platform(
        iri=platform_iri(PLATFORM),
        name="Zooniverse",
        url=WEB_ROOT,
        description="People-powered research: volunteers classify images, sounds and texts for researchers.",
        service=[DataService(iri=mint_iri("service", PLATFORM, "panoptes"), endpoint_url=api)],
    )


def _changed(project: Mapping[str, Any], since: str | None) -> bool:
    updated = parse_moment(project.get("updated_at"), zoned=True)
    last = parse_moment(since, zoned=True)
    return last is None or updated is None or updated > last


def _later(current: str | None, candidate: object) -> str | None:
    new = parse_moment(candidate, zoned=True)
    if new is None:
        return current
    old = parse_moment(current, zoned=True)
    return new.isoformat() if old is None or new > old else current


def panoptes_items(data: Any, resource: str) -> list[Mapping[str, Any]]:
    """The objects of a Panoptes page (``{"<resource>": [...], "meta": ...}``); other list items are left out."""
    items = data.get(resource) if isinstance(data, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
