"""iNaturalist: projects as PPSR projects, their observations as Darwin Core occurrences, observer counts as statistics.

API v1 (``https://api.inaturalist.org/v1``): ``/projects/{ids}``, ``/observations?project_id=`` paged by
``id_above`` (at most 200 per page, ordered by id) and narrowed by ``updated_since`` on later syncs, and
``/observations/observers?project_id=`` for per-observer counts. iNaturalist asks for about one request per
second, which is this connector's default budget.

Sync (incremental): a first sync walks every observation of each project by ``id_above``; when a walk ends, the
cursor keeps the time the walk started, and the next sync walks again with ``updated_since`` that time, so
changed and new observations both come back. Projects and observer counts are re-read on every sync (a few
requests).

Privacy: observers are pseudonymous IRIs (never the login or name); ``place_guess`` (often a street address) is
never read. Where iNaturalist obscures a location (the observer's ``geoprivacy`` or the taxon's), the public
point is a random point in a 0.2-degree cell that holds the true one: the occurrence is published at that cell's
centre with its uncertainty, and ``dataGeneralizations`` says so. A private location is withheld altogether.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field, HttpUrl
from typing_extensions import override
from yarl import URL

from hub.connectors._parsing import normalise_url, parse_float, parse_moment, strip_html
from hub.connectors._vocab import FlagCollector, load_tables
from hub.connectors.base import Batch, Connector, ConnectorConfig, RawRecord, unparsed_payload
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import (
    Contribution,
    ContributionStatistics,
    ContributionType,
    Project,
    ProjectGeographicLocation,
    ProjectMedia,
)
from hub.schema.vocab import ProjectMediaType

__all__ = ["OBSCURED_CELL_DEG", "INaturalistConfig", "INaturalistConnector", "generalise"]

PLATFORM = "inaturalist"
#: iNaturalist hides an obscured location in a cell of this size (degrees) holding the true location.
OBSCURED_CELL_DEG = 0.2
_METRES_PER_DEGREE = 111_320.0
_MAX_PER_PAGE = 200


class INaturalistConfig(ConnectorConfig):
    """Settings of one iNaturalist connector: which projects, and the platform's pace."""

    base_url: HttpUrl = Field(HttpUrl("https://api.inaturalist.org/v1/"), description="Root of API v1.")
    project_ids: list[int] = Field(min_length=1, description="Numeric ids of the projects to harvest (immutable).")
    page_size: int = Field(_MAX_PER_PAGE, ge=1, le=_MAX_PER_PAGE, description="Observations per page (max 200).")
    requests_per_second: float = Field(1.0, gt=0, le=1000, description="iNaturalist asks for ~1 request/second.")
    max_concurrency: int = Field(1, ge=1, le=64, description="One request at a time, as the API guide asks.")
    observations: bool = Field(True, description="Harvest observations as contributions.")
    observer_counts: bool = Field(True, description="Harvest per-observer counts as project statistics.")


def generalise(lat: float, lon: float) -> tuple[float, float, float]:
    """The centre of the obscuring cell that holds a public point, and the cell's half-diagonal in metres."""
    cell = OBSCURED_CELL_DEG
    centre_lat = math.floor(lat / cell) * cell + cell / 2
    centre_lon = math.floor(lon / cell) * cell + cell / 2
    half_height = cell / 2 * _METRES_PER_DEGREE
    half_width = cell / 2 * _METRES_PER_DEGREE * math.cos(math.radians(min(abs(centre_lat), 89.9)))
    return round(centre_lat, 6), round(centre_lon, 6), round(math.hypot(half_height, half_width))


class INaturalistConnector(Connector):
    """Incremental harvest of iNaturalist projects, observations and observer counts."""

    name: ClassVar[str] = "inaturalist"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = INaturalistConfig
    sync_mode: ClassVar[Literal["incremental", "snapshot"]] = "incremental"

    config: INaturalistConfig  # narrowed: Connector.__init__ checks it is an instance of config_model

    def _url(self, path: str) -> str:
        return str(self.config.base_url).rstrip("/") + "/" + path

    async def _get(self, path: str, params: Mapping[str, str | int]) -> tuple[str, Any]:
        response = await self.http.get(self._url(path), connector=self.name, params=params)
        if not isinstance(response.data, Mapping) or not isinstance(response.data.get("results"), list):
            raise FatalConnectorError(
                f"{URL(response.url).path_qs}: no 'results' list; the API's envelope changed", connector=self.name
            )
        return response.url, response.data

    # ----------------------------------------------------------------------------------------------------------
    # fetch

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        state = decode_cursor(cursor, connector=self.name)
        walks: dict[str, Any] = dict(state.get("walks", {}))
        ids = [str(i) for i in self.config.project_ids]
        if not state.get("in_walk"):
            url, data = await self._get("projects/" + ",".join(ids), {"per_page": len(ids)})
            projects = [RawRecord(PLATFORM, "project", str(p["id"]), p, url) for p in data["results"] if "id" in p]
            yield Batch(projects, encode_cursor({"walks": walks, "in_walk": True}))
        if self.config.observations:
            for project_id in ids:
                async for batch in self._walk(project_id, walks):
                    yield batch
        counts = await self._all_observer_counts(ids) if self.config.observer_counts else []
        yield Batch(counts, encode_cursor({"walks": walks}))

    async def _walk(self, project_id: str, walks: dict[str, Any]) -> AsyncIterator[Batch]:
        """One project's observations by id_above; ``walks[project_id]`` holds its position and ``since``."""
        walk = dict(walks.get(project_id) or {})
        if "started" not in walk:
            walk["started"] = self.clock().isoformat()
        while True:
            params: dict[str, str | int] = {
                "project_id": project_id,
                "order_by": "id",
                "order": "asc",
                "per_page": self.config.page_size,
                "id_above": int(walk.get("id_above", 0)),
            }
            if walk.get("since"):
                params["updated_since"] = str(walk["since"])
            url, data = await self._get("observations", params)
            results = data["results"]
            if not results:
                # The walk is over: the next one asks only for what changed since this one began.
                walks[project_id] = {"since": walk["started"]}
                yield Batch([], encode_cursor({"walks": walks, "in_walk": True}))
                return
            ids = [int(o["id"]) for o in results if isinstance(o, Mapping) and isinstance(o.get("id"), int)]
            if not ids:
                raise FatalConnectorError(
                    f"{URL(url).path_qs}: a page of observations without ids; id_above paging cannot go on",
                    connector=self.name,
                )
            walk["id_above"] = max(ids)
            walks[project_id] = walk
            records = []
            for position, obs in enumerate(results):
                if isinstance(obs, Mapping) and isinstance(obs.get("id"), int):
                    records.append(RawRecord(PLATFORM, "observation", str(obs["id"]), obs, url))
                else:
                    # Kept as a dead letter rather than dropped: the platform sent something we cannot key.
                    payload = unparsed_payload(str(obs)[:2000], f"observation {position} on the page has no id")
                    records.append(
                        RawRecord(PLATFORM, "observation", f"no-id-{walk['id_above']}-{position}", payload, url)
                    )
            yield Batch(records, encode_cursor({"walks": walks, "in_walk": True}))

    async def _observer_counts(self, project_id: str) -> RawRecord:
        """Every page of per-observer counts, kept as one record per project (a verbatim list of pages)."""
        pages: list[Any] = []
        page = 1
        first_url = ""
        while True:
            url, data = await self._get("observations/observers", {"project_id": project_id, "page": page})
            first_url = first_url or url
            pages.append(data)
            seen = sum(len(p["results"]) for p in pages)
            if not data["results"] or seen >= int(data.get("total_results") or 0):
                break
            page += 1
        payload = {"project_id": int(project_id), "pages": pages}
        return RawRecord(PLATFORM, "statistics", project_id, payload, first_url)

    async def _all_observer_counts(self, ids: Sequence[str]) -> list[RawRecord]:
        """Counts of the projects that have observers (a project with none has no statistics to state)."""
        out = []
        for project_id in ids:
            record = await self._observer_counts(project_id)
            if any(page.get("results") for page in record.payload["pages"]):
                out.append(record)
        return out

    # ----------------------------------------------------------------------------------------------------------
    # map

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = self.require_parsed(record)
        if record.kind == "project":
            return [self._project(record, payload)]
        if record.kind == "observation":
            return [self._observation(record, payload)]
        if record.kind == "statistics":
            return [self._statistics(record, payload)]
        raise self.skip(record, f"unknown record kind {record.kind!r}")

    def _project(self, record: RawRecord, project: Mapping[str, Any]) -> Project:
        tables = load_tables("inaturalist")
        flags = FlagCollector()
        title = strip_html(project.get("title") if isinstance(project.get("title"), str) else None)
        if not title:
            raise self.skip(record, "project has no title")
        kind = str(project.get("project_type") or "")
        lat, lon = parse_float(project.get("latitude")), parse_float(project.get("longitude"))
        pins = (
            [ProjectGeographicLocation(project_pin_latitude=lat, project_pin_longitude=lon)]
            if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
            else []
        )
        slug = project.get("slug")
        page = f"https://www.inaturalist.org/projects/{slug}" if isinstance(slug, str) and slug else None
        media = [
            ProjectMedia(project_media_type=ProjectMediaType.IMAGE_URL, project_media_file=url)
            for url in (normalise_url(project.get(key)) for key in ("header_image_url", "icon"))
            if url
        ]
        return Project(
            iri=mint_iri("project", PLATFORM, record.native_id),
            project_id=record.native_id,
            project_name=title,
            project_description=strip_html(project.get("description")),
            project_date_created=parse_moment(project.get("created_at")),
            project_last_updated_date=parse_moment(project.get("updated_at")),
            project_science_type=tables["projectScienceType"].map_terms([kind], flags, source_field="project_type"),
            scientific_process_involved=tables["scientificProcessInvolved"].map_terms(
                [kind], flags, source_field="project_type"
            ),
            project_geographic_location=pins,
            project_url=page,
            project_media=media,
            hosted_on=[platform_iri(PLATFORM)],
            same_as=[page] if page else [],
            data_quality_flag=flags.texts(),
        )

    def _observation(self, record: RawRecord, obs: Mapping[str, Any]) -> Contribution:
        flags = FlagCollector()
        project_id = URL(record.source_url).query.get("project_id")
        if not project_id:
            raise self.skip(record, "observation was not read for a project (no project_id in its source URL)")
        taxon = obs.get("taxon") if isinstance(obs.get("taxon"), Mapping) else None
        lat, lon, uncertainty, generalised, withheld = _location(obs, flags)
        license_code = obs.get("license_code")
        license_iri = None
        if isinstance(license_code, str) and license_code:
            license_iri = load_tables("inaturalist")["license"].map_one(
                license_code, flags, source_field="license_code"
            )
        user = obs.get("user")
        user_id = user.get("id") if isinstance(user, Mapping) else None
        contributor = (
            self.pseudonymiser.agent_iri(PLATFORM, str(user_id))
            if self.pseudonymiser is not None and user_id is not None
            else None
        )
        uuid = obs.get("uuid")
        event = obs.get("time_observed_at") or obs.get("observed_on")
        return Contribution(
            iri=mint_iri("contribution", PLATFORM, record.native_id),
            contribution_type=ContributionType.OBSERVATION,
            project=mint_iri("project", PLATFORM, project_id),
            created=parse_moment(obs.get("created_at")),
            basis_of_record="HumanObservation",
            occurrence_id=f"urn:uuid:{uuid}" if isinstance(uuid, str) and uuid else None,
            event_date=str(event) if event else None,
            scientific_name=taxon.get("name") if taxon else None,
            taxon_id=f"https://www.inaturalist.org/taxa/{taxon['id']}" if taxon and taxon.get("id") else None,
            occurrence_status="present",
            decimal_latitude=lat,
            decimal_longitude=lon,
            coordinate_uncertainty_in_meters=uncertainty,
            data_generalizations=generalised,
            information_withheld=withheld,
            license=license_iri,
            recorded_by=contributor,
            contributor=contributor,
            was_derived_from=normalise_url(obs.get("uri")),
            data_quality_flag=flags.texts(),
        )

    def _statistics(self, record: RawRecord, payload: Mapping[str, Any]) -> ContributionStatistics:
        pages = payload.get("pages")
        if not isinstance(pages, list) or not pages:
            raise self.skip(record, "observer counts have no pages")
        rows = [row for page in pages for row in page.get("results", []) if isinstance(row, Mapping)]
        observers = int(pages[0].get("total_results") or len(rows))
        harvested = self.clock()
        return ContributionStatistics(
            # One cumulative statistic per project, updated in place (the statistics topic is compacted by IRI).
            iri=mint_iri("statistics", PLATFORM, f"{record.native_id}/cumulative"),
            project=mint_iri("project", PLATFORM, record.native_id),
            # Counts are cumulative since iNaturalist began; the platform opened in 2008.
            period_start=datetime(2008, 1, 1, tzinfo=harvested.tzinfo),
            period_end=harvested,
            observation_count=sum(int(row.get("observation_count") or 0) for row in rows),
            active_volunteer_count=observers,
            generated_at_time=harvested,
        )


def _location(
    obs: Mapping[str, Any], flags: FlagCollector
) -> tuple[float | None, float | None, float | None, str | None, str | None]:
    """Latitude, longitude, uncertainty (m), dataGeneralizations and informationWithheld of an observation."""
    geoprivacy = obs.get("geoprivacy")
    taxon_geoprivacy = obs.get("taxon_geoprivacy")
    if "private" in (geoprivacy, taxon_geoprivacy):
        who = "the observer" if geoprivacy == "private" else "iNaturalist for this taxon"
        return None, None, None, None, f"Location withheld: made private by {who} (iNaturalist geoprivacy)"
    geojson = obs.get("geojson")
    coordinates = geojson.get("coordinates") if isinstance(geojson, Mapping) else None
    if not (isinstance(coordinates, list) and len(coordinates) == 2):
        return None, None, None, None, None
    lon, lat = parse_float(coordinates[0]), parse_float(coordinates[1])
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        flags.add("geojson", str(coordinates), "not a WGS84 point; no coordinates published")
        return None, None, None, None, None
    obscured = bool(obs.get("obscured")) or "obscured" in (geoprivacy, taxon_geoprivacy)
    if obscured:
        centre_lat, centre_lon, half_diagonal = generalise(lat, lon)
        who = "the observer" if geoprivacy == "obscured" else "iNaturalist for this taxon"
        note = (
            f"Coordinates generalised: obscured by {who}; published as the centre of the "
            f"{OBSCURED_CELL_DEG}-degree cell that holds the true location"
        )
        return centre_lat, centre_lon, float(half_diagonal), note, None
    accuracy = parse_float(obs.get("public_positional_accuracy"))
    return lat, lon, accuracy if accuracy and accuracy > 0 else None, None, None
