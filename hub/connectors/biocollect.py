"""BioCollect / ACSA project finder: the Australian platform's projects, and their activity records as observations.

``/ws/project/search`` answers ``{projects, total, facets}`` paged by ``offset`` and ``max``; sorted by
``lastUpdated`` newest first, a sync reads until it meets a project not updated since the last sync
(incremental). Activities (``/ws/bioactivity/search?projectId=``, ``{activities, total}``) are harvested the same
way for the projects listed in ``activity_projects``; each record of an activity is one Darwin Core occurrence.

Privacy: ``managerEmail`` and ``activityOwnerName`` name people and are never read; the activity's ``userId``
becomes a pseudonymous agent IRI. An embargoed activity is published without its coordinates, and says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, HttpUrl
from typing_extensions import override
from yarl import URL

from hub.connectors._parsing import (
    ParsedDate,
    as_text,
    normalise_url,
    parse_bool,
    parse_date,
    parse_float,
    parse_moment,
    split_list,
    strip_html,
)
from hub.connectors._vocab import FlagCollector, load_tables
from hub.connectors.base import Batch, Connector, ConnectorConfig, RawRecord, unparsed_payload
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import (
    Contribution,
    ContributionType,
    Project,
    ProjectGeographicLocation,
    ProjectMedia,
)
from hub.schema.vocab import HasTag, ProjectCountry, ProjectMediaType, UnRegion

__all__ = ["BioCollectConfig", "BioCollectConnector"]

PLATFORM = "biocollect"
_COUNTRIES = frozenset(member.value for member in ProjectCountry)
_UN_REGIONS = frozenset(member.value for member in UnRegion)
# BioCollect's participation flags -> PPSR hasTag.
_TAGS = {
    "isHome": HasTag.PARTICIPATE_FROM_HOME,
    "isSuitableForChildren": HasTag.SUITABLE_FOR_CHILDREN,
    "isDIY": HasTag.DO_IT_YOURSELF,
    "hasParticipantCost": HasTag.FEES_APPLICABLE,
}


class BioCollectConfig(ConnectorConfig):
    """Settings of the BioCollect connector."""

    base_url: HttpUrl = Field(HttpUrl("https://biocollect.ala.org.au/"), description="Root of the BioCollect site.")
    page_size: int = Field(50, ge=1, le=100, description="Projects or activities per page (max).")
    search_params: dict[str, str] = Field(
        default_factory=dict, description="Extra query parameters of the project search (e.g. a hub's filter)."
    )
    activity_projects: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$")]] = Field(
        default_factory=list, description="projectIds whose activity records to harvest as observations."
    )


class BioCollectConnector(Connector):
    """Incremental harvest of BioCollect projects (by lastUpdated) and of chosen projects' activities."""

    name: ClassVar[str] = "biocollect"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = BioCollectConfig
    sync_mode: ClassVar[Literal["incremental", "snapshot"]] = "incremental"

    config: BioCollectConfig  # narrowed: Connector.__init__ checks it is an instance of config_model

    # ----------------------------------------------------------------------------------------------------------
    # fetch: one "listing" per resource, newest first, until what the last sync already saw

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        state = decode_cursor(cursor, connector=self.name)
        listings: list[tuple[str, str, str, dict[str, str]]] = [
            ("projects", "ws/project/search", "projects", dict(self.config.search_params))
        ]
        listings += [
            (f"activities:{pid}", "ws/bioactivity/search", "activities", {"projectId": pid})
            for pid in self.config.activity_projects
        ]
        for key, path, envelope, params in listings:
            async for batch in self._listing(state, key, path, envelope, params):
                yield batch

    async def _listing(
        self, state: dict[str, Any], key: str, path: str, envelope: str, params: dict[str, str]
    ) -> AsyncIterator[Batch]:
        position = dict(state.get(key) or {})
        since = position.get("since")
        offset = int(position.get("offset", 0))
        newest = position.get("newest") or since
        kind = "project" if envelope == "projects" else "activity"
        url = str(self.config.base_url).rstrip("/") + "/" + path
        while True:
            query: dict[str, str | int] = {
                **params,
                "sort": "lastUpdated",
                "order": "DESC",
                "max": self.config.page_size,
                "offset": offset,
            }
            response = await self.http.get(url, connector=self.name, params=query)
            items = response.data.get(envelope) if isinstance(response.data, Mapping) else None
            if not isinstance(items, list):
                raise FatalConnectorError(
                    f"{URL(response.url).path_qs}: no {envelope!r} list in the answer; has the API changed?",
                    connector=self.name,
                )
            records, reached_seen = [], False
            for position_in_page, item in enumerate(items):
                updated = _updated(item)
                if since is not None and updated is not None and updated <= since:
                    reached_seen = True
                    break
                records.append(self._record(kind, item, response.url, offset + position_in_page))
                if updated is not None and (newest is None or updated > newest):
                    newest = updated
            offset += len(items)
            done = reached_seen or len(items) < self.config.page_size
            state[key] = {"since": newest} if done else {"since": since, "newest": newest, "offset": offset}
            yield Batch(records, encode_cursor(state))
            if done:
                return

    @staticmethod
    def _record(kind: str, item: Any, source_url: str, index: int) -> RawRecord:
        id_key = "projectId" if kind == "project" else "activityId"
        native = item.get(id_key) if isinstance(item, Mapping) else None
        if isinstance(native, str) and native.strip():
            return RawRecord(PLATFORM, kind, native.strip(), item, source_url)
        payload = unparsed_payload(str(item)[:2000], f"{kind} {index} has no {id_key}")
        return RawRecord(PLATFORM, kind, f"no-id-{index}", payload, source_url)

    # ----------------------------------------------------------------------------------------------------------
    # map

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = self.require_parsed(record)
        if record.kind == "project":
            return [self._project(record, payload)]
        if record.kind == "activity":
            return self._activity(record, payload)
        raise self.skip(record, f"unknown record kind {record.kind!r}")

    def _project(self, record: RawRecord, project: Mapping[str, Any]) -> Project:
        tables = load_tables("biocollect")
        flags = FlagCollector()
        name = strip_html(as_text(project.get("name")))
        if not name:
            raise self.skip(record, "project has no name")
        status = tables["projectStatus"].map_one(as_text(project.get("status")), flags, source_field="status")
        science = tables["projectScienceType"].map_terms(
            [str(t) for t in _list(project.get("scienceType"))], flags, source_field="scienceType"
        )
        difficulty = tables["difficultyLevel"].map_one(
            as_text(project.get("difficulty")), flags, source_field="difficulty"
        )
        url_text = as_text(project.get("urlWeb"))
        url = normalise_url(url_text)
        if url_text and url is None:
            flags.add("urlWeb", url_text, "not a web address; left out")
        closed = status in ("Completed", "Abandoned")
        end = parse_moment(project.get("endDate"))
        org_id = as_text(project.get("organisationId"))
        image = normalise_url(as_text(project.get("fullSizeImageUrl")))
        external = as_text(project.get("externalId"))
        from_scistarter = bool(external and parse_bool(project.get("isSciStarter")))
        return Project(
            iri=mint_iri("project", PLATFORM, record.native_id),
            project_id=record.native_id,
            project_name=name,
            project_aim=strip_html(as_text(project.get("aim"))),
            project_description=strip_html(as_text(project.get("description"))),
            project_status=status,
            project_start_date=parse_moment(project.get("startDate")),
            project_planned_start_date=parse_moment(project.get("plannedStartDate")),
            project_end_date=end if closed else None,
            project_planned_end_date=None if closed else end,
            project_date_created=parse_moment(project.get("dateCreated")),
            project_last_updated_date=parse_moment(project.get("lastUpdated")),
            project_science_type=science,
            difficulty_level=difficulty,
            keyword=split_list(as_text(project.get("keywords"))),
            has_tag=[tag for key, tag in _TAGS.items() if parse_bool(project.get(key))],
            project_url=url,
            project_country=_known(project.get("countries"), _COUNTRIES, "countries", flags),
            un_regions=_known(project.get("uNRegions"), _UN_REGIONS, "uNRegions", flags),
            project_geographic_location=_coverage(project.get("coverage"), flags),
            project_media=[ProjectMedia(project_media_type=ProjectMediaType.IMAGE_URL, project_media_file=image)]
            if image
            else [],
            project_responsible_party_name=strip_html(as_text(project.get("organisationName"))),
            responsible_party=mint_iri("organisation", PLATFORM, org_id) if org_id else None,
            # An external SciStarter listing names its SciStarter id: cross-platform evidence, kept as PPSR does.
            project_external_id=[f"scistarter:{external}"] if from_scistarter else [],
            project_original_repository=["SciStarter"] if from_scistarter else [],
            hosted_on=[platform_iri(PLATFORM)],
            same_as=[str(self.config.base_url).rstrip("/") + f"/project/index/{record.native_id}"],
            data_quality_flag=flags.texts(),
        )

    def _activity(self, record: RawRecord, activity: Mapping[str, Any]) -> list[Contribution]:
        project_id = as_text(activity.get("projectId"))
        if not project_id:
            raise self.skip(record, "activity has no projectId")
        user_id = activity.get("userId")
        agent = (
            self.pseudonymiser.agent_iri(PLATFORM, str(user_id))
            if self.pseudonymiser is not None and user_id not in (None, "")
            else None
        )
        embargoed = bool(parse_bool(activity.get("embargoed")))
        dataset = as_text(activity.get("projectActivityId"))
        out = []
        for index, occurrence in enumerate(_list(activity.get("records"))):
            if not isinstance(occurrence, Mapping):
                continue
            flags = FlagCollector()
            occurrence_id = as_text(occurrence.get("occurrenceID")) or f"{record.native_id}-{index}"
            lat, lon = parse_float(occurrence.get("decimalLatitude")), parse_float(occurrence.get("decimalLongitude"))
            if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
                flags.add("decimalLatitude,decimalLongitude", f"{lat},{lon}", "outside WGS84 bounds; left out")
                lat = lon = None
            withheld = None
            if embargoed and lat is not None:
                lat = lon = None
                withheld = "Location withheld: the activity is under embargo on BioCollect"
            count = parse_float(occurrence.get("individualCount"))
            event = parse_date(occurrence.get("eventDate"), formats=("%d/%m/%Y",))
            if occurrence.get("eventDate") and event is None:
                flags.add("eventDate", str(occurrence.get("eventDate")), "not a readable date; left out")
            out.append(
                Contribution(
                    iri=mint_iri("contribution", PLATFORM, occurrence_id),
                    contribution_type=ContributionType.OBSERVATION,
                    project=mint_iri("project", PLATFORM, project_id),
                    dataset=mint_iri("dataset", PLATFORM, dataset) if dataset else None,
                    created=parse_moment(activity.get("dateCreated")),
                    basis_of_record="HumanObservation",
                    occurrence_id=occurrence_id,
                    event_date=_event_text(event),
                    scientific_name=strip_html(as_text(occurrence.get("name"))),
                    taxon_id=normalise_url(as_text(occurrence.get("guid"))),
                    individual_count=int(count) if count is not None and count >= 0 else None,
                    occurrence_status=None if count is None else ("absent" if count == 0 else "present"),
                    decimal_latitude=lat,
                    decimal_longitude=lon,
                    information_withheld=withheld,
                    recorded_by=agent,
                    contributor=agent,
                    data_quality_flag=flags.texts(),
                )
            )
        if not out:
            raise self.skip(record, "activity has no records to publish")
        return out


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _updated(item: Any) -> str | None:
    """An item's ``lastUpdated`` as a sortable UTC ISO text (BioCollect writes them all in Z)."""
    if not isinstance(item, Mapping):
        return None
    moment = parse_moment(item.get("lastUpdated"))
    return moment.isoformat() if moment is not None else None


def _event_text(event: ParsedDate | None) -> str | None:
    if event is None:
        return None
    moment: datetime = event.value
    return moment.date().isoformat() if event.precision == "day" else moment.isoformat()


def _known(values: object, allowed: frozenset[str], field: str, flags: FlagCollector) -> list[str]:
    out = []
    for value in _list(values):
        if isinstance(value, str) and value in allowed:
            out.append(value)
        else:
            flags.add(field, str(value), "not a PPSR label; left out")
    return out


def _coverage(coverage: object, flags: FlagCollector) -> list[ProjectGeographicLocation]:
    """A point becomes a pin; another GeoJSON geometry its coverage, with BioCollect's ``centre`` as centroid."""
    if not isinstance(coverage, Mapping):
        return []
    kind = coverage.get("type")
    coordinates = coverage.get("coordinates")
    if kind == "Point" and isinstance(coordinates, list) and len(coordinates) == 2:
        lon, lat = parse_float(coordinates[0]), parse_float(coordinates[1])
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            return [ProjectGeographicLocation(project_pin_latitude=lat, project_pin_longitude=lon)]
        flags.add("coverage", str(coordinates), "not a WGS84 point; left out")
        return []
    if kind in ("Polygon", "MultiPolygon") and isinstance(coordinates, list):
        centre = coverage.get("centre")
        lon = parse_float(centre[0]) if isinstance(centre, list) and len(centre) == 2 else None
        lat = parse_float(centre[1]) if isinstance(centre, list) and len(centre) == 2 else None
        return [
            ProjectGeographicLocation(
                project_geographic_coverage={"type": kind, "coordinates": coordinates},
                project_geographic_coverage_centroid_latitude=lat,
                project_geographic_coverage_centroid_longitude=lon,
            )
        ]
    flags.add("coverage", str(kind), "not a GeoJSON Point or Polygon; left out")
    return []
