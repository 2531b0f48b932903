"""EU-Citizen.Science: the European platform's project and organisation directories.

The API (``/api/projects/``, ``/api/organisations/``, optional ``?country=XX``) returns one unpaged JSON array
per listing and gives projects no update timestamp, so every run is a full snapshot and deletions are found by
mark and sweep. One connector instance per country gives a national view.

Dirt handled here: HTML in aims, descriptions and participation texts; URLs without a scheme (``www.cowslips.eu``)
or that are not URLs at all; latitude and longitude as strings, sometimes blank; contact names and e-mails on
organisations (dropped: personal data); ``originDatabase``/``originUID`` hints of where a project was first
registered (kept as ``projectOriginalRepository`` and ``projectExternalId``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field, HttpUrl
from typing_extensions import override

from hub.connectors._parsing import as_text, normalise_url, parse_bool, parse_date, parse_float, strip_html
from hub.connectors._vocab import FlagCollector, load_tables
from hub.connectors.base import ConnectorConfig, RawRecord, unparsed_payload
from hub.connectors.snapshot import ListedSnapshotConnector
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import (
    Organisation,
    Project,
    ProjectAssociatedParty,
    ProjectFunding,
    ProjectGeographicLocation,
    ProjectMedia,
)
from hub.schema.vocab import HasTag, ProjectAssociatedPartyRole, ProjectMediaType

__all__ = ["EucsConfig", "EucsConnector"]

PLATFORM = "eu-citizen-science"
_CLOSED_STATUSES = frozenset({"Completed", "Abandoned"})


class EucsConfig(ConnectorConfig):
    """Settings of one EU-Citizen.Science connector instance."""

    base_url: HttpUrl = Field(HttpUrl("https://eu-citizen.science/"), description="Root of the portal.")
    country: str | None = Field(
        None, pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 code: only this country's projects (?country=)."
    )
    include_organisations: bool = Field(True, description="Also harvest /api/organisations/.")
    public_site: HttpUrl = Field(
        HttpUrl("https://eu-citizen.science/"), description="Where the portal's own project pages live (sameAs)."
    )


class EucsConnector(ListedSnapshotConnector):
    """Full snapshots of EU-Citizen.Science projects and organisations."""

    name: ClassVar[str] = "eu-citizen-science"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = EucsConfig

    config: EucsConfig  # narrowed: Connector.__init__ checks it is an instance of config_model

    def _url(self, listing: str) -> str:
        return str(self.config.base_url).rstrip("/") + f"/api/{listing}/"

    async def _listing(self, listing: str, kind: str) -> list[RawRecord]:
        url = self._url(listing)
        params = {"country": self.config.country} if self.config.country else None
        response = await self.http.get(url, connector=self.name, params=params)
        data = response.data
        if not isinstance(data, list):
            raise FatalConnectorError(
                f"/api/{listing}/ returned {type(data).__name__}, expected the unpaged JSON array EU-CS serves; "
                "has the API changed?",
                connector=self.name,
            )
        records: list[RawRecord] = []
        for item in data:
            native_id = item.get("id") if isinstance(item, Mapping) else None
            if native_id is None:
                # A row without an id cannot get an IRI; keep it visible as a dead letter rather than drop it.
                payload = unparsed_payload(str(item)[:2000], f"/api/{listing}/ item {len(records)} has no 'id'")
                records.append(RawRecord(PLATFORM, kind, f"unidentified-{len(records)}", payload, response.url))
                continue
            records.append(RawRecord(PLATFORM, kind, str(native_id), item, response.url))
        return records

    @override
    async def listing(self) -> list[RawRecord]:
        records: list[RawRecord] = []
        if self.config.include_organisations:
            records.extend(await self._listing("organisations", "organisation"))
        records.extend(await self._listing("projects", "project"))
        return records

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = self.require_parsed(record)
        if record.kind == "organisation":
            return [self._organisation(record, payload)]
        if record.kind == "project":
            return [self._project(record, payload)]
        raise self.skip(record, f"unknown record kind {record.kind!r}")

    def _organisation(self, record: RawRecord, org: Mapping[str, Any]) -> Organisation:
        flags = FlagCollector()
        name = strip_html(as_text(org.get("name")))
        if not name:
            raise self.skip(record, "organisation has no name")
        url = _url_or_flag(org.get("url"), "url", flags)
        # contactPoint and contactPointEmail name a person: never published (STANDARD 6.8).
        return Organisation(
            iri=mint_iri("organisation", PLATFORM, record.native_id),
            name=name,
            url=url,
            description=strip_html(as_text(org.get("description"))),
            hosted_on=[platform_iri(PLATFORM)],
            data_quality_flag=flags.texts(),
        )

    def _project(self, record: RawRecord, project: Mapping[str, Any]) -> Project:
        tables = load_tables("eucs")
        flags = FlagCollector()
        name = strip_html(as_text(project.get("name")))
        if not name:
            raise self.skip(record, "project has no name")

        status = tables["projectStatus"].map_one(_label(project.get("status"), "status"), flags, source_field="status")
        topics = _labels(project.get("topic"), "topic")
        science_types = tables["projectScienceType"].map_terms(topics, flags, source_field="topic")
        tasks = [
            t for t in (_label(item, "participationTask") for item in _list(project.get("participationTask"))) if t
        ]
        processes = tables["scientificProcessInvolved"].map_terms(tasks, flags, source_field="participationTask")

        start = _date_or_flag(project.get("start_date"), "start_date", flags)
        end = _date_or_flag(project.get("end_date"), "end_date", flags)
        # PPSR's projectEndDate is the actual end; the end date of a project still running is only planned.
        closed = status in _CLOSED_STATUSES

        main_org = project.get("mainOrganisation")
        responsible_iri = responsible_name = None
        if isinstance(main_org, Mapping) and main_org.get("id") is not None:
            responsible_iri = mint_iri("organisation", PLATFORM, str(main_org["id"]))
            responsible_name = strip_html(as_text(main_org.get("name")))
        elif project.get("host"):
            responsible_name = strip_html(as_text(project.get("host")))

        origin = project.get("originDatabase")
        origin_name = _label(origin, "originDatabase")
        origin_uid = as_text(project.get("originUID"))
        external_ids = [f"{origin_name or 'origin'}:{origin_uid}"] if origin_uid else []
        origin_url = _url_or_flag(project.get("originURL"), "originURL", flags)

        funding_body = _label(project.get("fundingBody"), "body")
        return Project(
            iri=mint_iri("project", PLATFORM, record.native_id),
            project_id=record.native_id,
            project_name=name,
            project_aim=strip_html(as_text(project.get("aim"))),
            project_description=strip_html(as_text(project.get("description"))),
            project_date_created=_date_or_flag(project.get("dateCreated"), "dateCreated", flags),
            keyword=_labels(project.get("keywords"), "keyword"),
            project_status=status,
            project_start_date=start,
            project_end_date=end if closed else None,
            project_planned_end_date=None if closed else end,
            project_science_type=science_types,
            scientific_process_involved=processes,
            project_url=_url_or_flag(project.get("url"), "url", flags),
            project_country=self._country(project.get("country"), flags),
            project_geographic_location=_location(project, flags),
            project_media=_media(project, flags),
            project_how_to_participate=strip_html(as_text(project.get("howToParticipate"))),
            project_equipment=strip_html(as_text(project.get("equipment"))),
            has_tag=[HasTag.PARTICIPATE_FROM_HOME] if parse_bool(project.get("doingAtHome")) else [],
            project_funding=[ProjectFunding(project_funding_source=funding_body)] if funding_body else [],
            project_original_repository=[origin_name] if origin_name else [],
            project_external_id=external_ids,
            project_external_links=[origin_url] if origin_url else [],
            project_responsible_party_name=responsible_name,
            responsible_party=responsible_iri,
            project_associated_party=_partners(project.get("organisation")),
            hosted_on=[platform_iri(PLATFORM)],
            same_as=[str(self.config.public_site).rstrip("/") + f"/project/{record.native_id}"],
            data_quality_flag=flags.texts(),
        )

    @staticmethod
    def _country(code: object, flags: FlagCollector) -> list[str]:
        if not isinstance(code, str) or not code.strip():
            return []
        label = load_tables("countries")["projectCountry"].map_one(code.strip(), flags, source_field="country")
        return [label] if label else []


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _label(item: object, key: str) -> str | None:
    """The text of EU-CS's ``{"id": 2, "status": "Active"}`` objects (or a bare string)."""
    if isinstance(item, Mapping):
        item = item.get(key)
    return as_text(item)


def _labels(value: object, key: str) -> list[str]:
    """The texts of a list of EU-CS label objects, blanks dropped."""
    return [label for label in (_label(item, key) for item in _list(value)) if label]


def _url_or_flag(value: object, field: str, flags: FlagCollector) -> str | None:
    text = as_text(value)
    url = normalise_url(text)
    if text and url is None:
        flags.add(field, text, "not a web address; left out")
    return url


def _date_or_flag(value: object, field: str, flags: FlagCollector) -> Any:
    if value is None or value == "":
        return None
    parsed = parse_date(value)
    if parsed is None:
        flags.add(field, str(value), "not a readable date; left out")
        return None
    return parsed.value


def _location(project: Mapping[str, Any], flags: FlagCollector) -> list[ProjectGeographicLocation]:
    raw_lat, raw_lon = project.get("latitude"), project.get("longitude")
    lat, lon = parse_float(raw_lat), parse_float(raw_lon)
    if lat is None or lon is None:
        if (raw_lat not in (None, "")) or (raw_lon not in (None, "")):
            flags.add("latitude,longitude", f"{raw_lat},{raw_lon}", "not a pair of numbers; no pin published")
        return []
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        flags.add("latitude,longitude", f"{raw_lat},{raw_lon}", "outside WGS84 bounds; no pin published")
        return []
    return [ProjectGeographicLocation(project_pin_latitude=lat, project_pin_longitude=lon)]


def _partners(organisations: object) -> list[ProjectAssociatedParty]:
    """EU-CS's ``organisation`` list: the project's partner organisations, by IRI and name."""
    out = []
    for org in _list(organisations):
        if isinstance(org, Mapping) and org.get("id") is not None:
            out.append(
                ProjectAssociatedParty(
                    project_associated_party_id=mint_iri("organisation", PLATFORM, str(org["id"])),
                    project_associated_party_name=strip_html(as_text(org.get("name"))),
                    project_associated_party_role=ProjectAssociatedPartyRole.PARTNER,
                )
            )
    return out


def _media(project: Mapping[str, Any], flags: FlagCollector) -> list[ProjectMedia]:
    media = []
    for n in (1, 2, 3):
        url = _url_or_flag(project.get(f"image{n}"), f"image{n}", flags)
        if url:
            credit = as_text(project.get(f"imageCredit{n}"))
            media.append(
                ProjectMedia(
                    project_media_type=ProjectMediaType.IMAGE_URL,
                    project_media_file=url,
                    project_media_credit=credit,
                )
            )
    return media
