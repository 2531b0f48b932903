"""SciStarter projects (project finder API) and Science Near Me opportunities, mapped to PPSR Core.

Neither platform offers a change marker to ask for, so both are synced as snapshots and swept (mark and sweep), by
the framework's conditional paged walk (:class:`hub.connectors.snapshot.PagedSnapshotConnector`).

SciStarter quirks handled here: ``guid`` is the stable id (``id`` and ``slug`` are not used in IRIs); ``begin``,
``end``, ``created`` and ``updated`` are epoch milliseconds; ``point`` is ``[lon, lat]``; ``regions`` is GeoJSON
inside a string; an empty ``fields_of_science`` is ``{}``, not ``[]``; ``difficulty`` labels vary in case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from pydantic import Field, HttpUrl, SecretStr

from hub.connectors._parsing import as_text, parse_moment
from hub.connectors._portal import FlaggedProject
from hub.connectors._vocab import FlagCollector, load_tables
from hub.connectors.base import ConnectorConfig, RawRecord
from hub.connectors.snapshot import PagedSnapshotConnector
from hub.schema import (
    DifficultyLevel,
    HasTag,
    HubModel,
    ProjectGeographicLocation,
    ProjectMedia,
    ProjectMediaType,
    ProjectScienceType,
    ProjectStatus,
)
from hub.schema.iris import mint_iri, platform_iri

__all__ = [
    "SciStarterConfig",
    "SciStarterConnector",
    "ScienceNearMeConfig",
    "ScienceNearMeConnector",
    "epoch_ms",
]

MAPPINGS = "scistarter"


def epoch_ms(value: object) -> datetime | None:
    """Epoch milliseconds (SciStarter writes floats such as ``1684865281454.314``) as aware UTC; 0/None -> None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _http_url(value: object) -> str | None:
    text = as_text(value)
    return text if text and text.startswith(("http://", "https://")) and " " not in text else None


def _labels(value: object) -> list[str]:
    # SciStarter's multi-valued fields are lists of {value, label}; an empty one is sometimes {}.
    if not isinstance(value, list):
        return []
    return [item["label"] for item in value if isinstance(item, Mapping) and isinstance(item.get("label"), str)]


def _label(value: object) -> str | None:
    return as_text(value.get("label")) if isinstance(value, Mapping) else as_text(value)


class SciStarterConfig(ConnectorConfig):
    """Settings of the ``scistarter`` connector (the project finder API)."""

    base_url: HttpUrl = Field(HttpUrl("https://scistarter.org/"), description="SciStarter root.")
    finder_path: str = Field("finder", description="Path of the project finder, relative to base_url.")
    api_key: SecretStr | None = Field(None, description="SciStarter API key, sent as ?key=.")
    query: dict[str, str] = Field(default_factory=dict, description="Extra finder filters, e.g. {'q': 'birds'}.")


class SciStarterConnector(PagedSnapshotConnector):
    """SciStarter projects from the project finder (``{"name": "Matches", "total", "page", "entities": [...]}``)."""

    name: ClassVar[str] = "scistarter"
    platform: ClassVar[str] = "scistarter"
    config_model: ClassVar[type[ConnectorConfig]] = SciStarterConfig
    items_key: ClassVar[str] = "entities"
    id_field: ClassVar[str] = "guid"
    platform_name: ClassVar[str] = "SciStarter"
    platform_url: ClassVar[str] = "https://scistarter.org"

    config: SciStarterConfig

    def first_url(self) -> str:
        """``{base}/finder?format=json&page=1`` plus the configured filters."""
        params = {"format": "json", **self.config.query, "page": "1"}
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{str(self.config.base_url).rstrip('/')}/{self.config.finder_path.strip('/')}?{query}"

    def secret_params(self) -> dict[str, str | int]:
        """SciStarter's API key goes in the query (``key=``), never into a stored URL."""
        return {"key": self.config.api_key.get_secret_value()} if self.config.api_key else {}

    def native_id(self, item: Mapping[str, Any]) -> str:
        """The ``guid`` (a UUID that survives renames; ``id`` and ``slug`` do not identify across systems)."""
        return as_text(item.get("guid")) or ""

    def platform_record(self) -> RawRecord:
        """SciStarter as a platform."""
        return RawRecord(self.platform, "platform", self.platform, {"api": self.first_url().split("?")[0]}, "")

    def project(self, record: RawRecord, p: Mapping[str, Any]) -> HubModel:
        """A finder entity -> Project."""
        name = as_text(p.get("name"))
        if not name:
            raise self.skip(record, "a project needs a name")
        flags = FlagCollector()
        tables = load_tables(MAPPINGS)
        status = tables["projectStatus"].map_one(_label(p.get("status")), flags, source_field="status")
        difficulty = tables["difficultyLevel"].map_one(_label(p.get("difficulty")), flags, source_field="difficulty")
        sciences = tables["projectScienceType"].map_terms(
            _labels(p.get("fields_of_science")), flags, source_field="fields_of_science"
        )
        begin, end = epoch_ms(p.get("begin")), epoch_ms(p.get("end"))
        # An end date on a project still running is a plan, not a fact (STANDARD §6.5).
        planned_end = end if end is not None and status != "Completed" else None
        actual_end = end if status == "Completed" else None
        location = _location(p, flags)
        slug = as_text(p.get("slug"))
        image = _http_url(p.get("image"))
        tags = [HasTag("Participate from home")] if p.get("entirely_online") else []
        if p.get("diy"):
            tags.append(HasTag("Do-it-yourself"))
        fields: dict[str, Any] = {
            "iri": mint_iri("project", self.platform, record.native_id),
            "project_id": record.native_id,
            "project_name": name,
            "project_aim": as_text(p.get("goal")),
            "project_description": as_text(p.get("description")),
            "project_task": as_text(p.get("task")),
            "project_how_to_participate": as_text(p.get("how_to_join")),
            "project_date_created": epoch_ms(p.get("created")),
            "project_last_updated_date": epoch_ms(p.get("updated")),
            "project_status": ProjectStatus(status) if status else None,
            "difficulty_level": DifficultyLevel(difficulty) if difficulty else None,
            "project_science_type": [ProjectScienceType(s) for s in sciences],
            "keyword": [t for t in p.get("tags") or [] if isinstance(t, str) and t.strip()],
            "has_tag": tags,
            "project_start_date": begin,
            "project_end_date": actual_end,
            "project_planned_end_date": planned_end,
            "project_url": _http_url(p.get("url")),
            "project_responsible_party_name": as_text(p.get("presenter")),
            "project_geographic_location": [location] if location else [],
            "project_locality": as_text(p.get("regions_description")),
            "project_equipment": as_text(p.get("materials")),
            "project_media": _image(image, p.get("image_credit")),
            "project_external_id": [f"scistarter:{p['id']}"] if isinstance(p.get("id"), int) else [],
            "project_original_repository": ["SciStarter"],
            "hosted_on": [platform_iri(self.platform)],
            "same_as": [f"https://scistarter.org/{slug}"] if slug else [],
        }
        return FlaggedProject(**fields, data_quality_flag=flags.texts())


def _location(p: Mapping[str, Any], flags: FlagCollector) -> ProjectGeographicLocation | None:
    pin: dict[str, float] = {}
    point = p.get("point")
    if isinstance(point, list) and len(point) == 2 and all(isinstance(c, int | float) for c in point):
        lon, lat = point  # SciStarter writes [lon, lat], GeoJSON order
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            pin = {"project_pin_latitude": lat, "project_pin_longitude": lon}
        else:
            flags.add("point", point, "coordinates out of range")
    elif point not in (None, "", []):
        flags.add("point", point, "not a [lon, lat] pair")
    coverage = None
    regions = p.get("regions")
    if isinstance(regions, str) and regions.strip():
        try:
            parsed = orjson.loads(regions)
        except orjson.JSONDecodeError:
            flags.add("regions", regions, "GeoJSON string does not parse")
        else:
            if isinstance(parsed, Mapping) and "type" in parsed:
                coverage = dict(parsed)
            else:
                flags.add("regions", regions, "not a GeoJSON object")
    if not pin and coverage is None:
        return None
    return ProjectGeographicLocation(**pin, project_geographic_coverage=coverage)


def _image(url: str | None, credit: object) -> list[ProjectMedia]:
    """A listing's image (already checked to be an http(s) URL) with its credit, as projectMedia."""
    if not url:
        return []
    return [
        ProjectMedia(
            project_media_type=ProjectMediaType("Image URL"),
            project_media_file=url,
            project_media_credit=as_text(credit),
        )
    ]


class ScienceNearMeConfig(ConnectorConfig):
    """Settings of the ``sciencenearme`` connector (Circuit API v1, OpenAPI spec in the samples)."""

    base_url: HttpUrl = Field(HttpUrl("https://sciencenearme.org/api/v1/"), description="Circuit API root.")
    page_size: int = Field(100, ge=1, le=1000)
    token: SecretStr | None = Field(None, description="Bearer token from /partner/authorize, if any.")
    partner: str | None = Field(None, description="Only this partner's opportunities (partner uid).")


class ScienceNearMeConnector(PagedSnapshotConnector):
    """Science Near Me opportunities (``{"matches": [...], "pagination": {...}}``) as PPSR projects."""

    name: ClassVar[str] = "sciencenearme"
    platform: ClassVar[str] = "sciencenearme"
    config_model: ClassVar[type[ConnectorConfig]] = ScienceNearMeConfig
    items_key: ClassVar[str] = "matches"
    id_field: ClassVar[str] = "uid"
    first_page: ClassVar[int] = 0  # pagination.page_index starts at 0
    platform_name: ClassVar[str] = "Science Near Me"
    platform_url: ClassVar[str] = "https://sciencenearme.org"

    config: ScienceNearMeConfig

    def first_url(self) -> str:
        """``{base}/opportunity/?page=0&per_page=N`` (and ``partner=``)."""
        url = f"{str(self.config.base_url).rstrip('/')}/opportunity/?per_page={self.config.page_size}"
        if self.config.partner:
            url += f"&partner={self.config.partner}"
        return url + "&page=0"

    def headers(self) -> dict[str, str]:
        """The bearer token, when configured."""
        return {"Authorization": f"Bearer {self.config.token.get_secret_value()}"} if self.config.token else {}

    def native_id(self, item: Mapping[str, Any]) -> str:
        """The opportunity ``uid``."""
        return as_text(item.get("uid")) or ""

    def platform_record(self) -> RawRecord:
        """Science Near Me as a platform."""
        return RawRecord(self.platform, "platform", self.platform, {"api": str(self.config.base_url)}, "")

    def project(self, record: RawRecord, o: Mapping[str, Any]) -> HubModel:
        """An opportunity -> Project."""
        title = as_text(o.get("title"))
        if not title:
            raise self.skip(record, "an opportunity needs a title")
        flags = FlagCollector()
        topics = [t for t in o.get("opp_topics") or [] if isinstance(t, str)]
        sciences = load_tables(MAPPINGS)["oppTopics"].map_terms(topics, flags, source_field="opp_topics")
        starts = sorted(filter(None, (parse_moment(s, zoned=True) for s in o.get("start_datetimes") or [])))
        ends = sorted(filter(None, (parse_moment(s, zoned=True) for s in o.get("end_datetimes") or [])))
        end = ends[-1] if ends and o.get("has_end") else None
        now = self.clock()
        status = "Completed" if end is not None and end < now else "Active"
        if o.get("withdrawn"):
            status = "Abandoned"
        pin = None
        point = o.get("location_point")
        coordinates = point.get("coordinates") if isinstance(point, Mapping) else None
        polygon = o.get("location_polygon") if isinstance(o.get("location_polygon"), Mapping) else None
        if isinstance(coordinates, list) and len(coordinates) == 2:
            pin = {"project_pin_latitude": coordinates[1], "project_pin_longitude": coordinates[0]}
        location = (
            ProjectGeographicLocation(**(pin or {}), project_geographic_coverage=polygon or None)
            if pin or polygon
            else None
        )
        languages = [lang for lang in o.get("languages") or [] if isinstance(lang, str)]
        image = _http_url(o.get("image_url"))
        locality = ", ".join(
            filter(
                None, (as_text(o.get(k)) for k in ("location_name", "address_city", "address_state", "address_country"))
            )
        )
        fields: dict[str, Any] = {
            "iri": mint_iri("project", self.platform, record.native_id),
            "project_id": record.native_id,
            "project_name": title,
            "project_aim": as_text(o.get("short_desc")),
            "project_description": as_text(o.get("description")),
            "project_date_created": parse_moment(o.get("partner_created"), zoned=True),
            "project_last_updated_date": parse_moment(o.get("partner_updated"), zoned=True),
            "project_status": ProjectStatus(status),
            "project_start_date": starts[0] if starts else None,
            "project_end_date": end if status == "Completed" else None,
            "project_planned_end_date": end if status != "Completed" else None,
            "project_science_type": [ProjectScienceType(s) for s in sciences],
            "keyword": [t for t in o.get("tags") or [] if isinstance(t, str) and t.strip()],
            "has_tag": [HasTag("Participate from home")] if o.get("is_online") else [],
            "language": languages[0] if languages else None,
            "project_url": _http_url(o.get("partner_opp_url")),
            "project_responsible_party_name": as_text(o.get("organization_name")) or as_text(o.get("partner_name")),
            "project_geographic_location": [location] if location else [],
            "project_locality": locality or None,
            "project_media": _image(image, o.get("image_credit")),
            "project_original_repository": [as_text(o.get("partner_name")) or "Science Near Me"],
            "hosted_on": [platform_iri(self.platform)],
            "same_as": [f"https://sciencenearme.org/{o['slug']}"] if as_text(o.get("slug")) else [],
        }
        return FlaggedProject(**fields, data_quality_flag=flags.texts())
