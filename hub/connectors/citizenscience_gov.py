r"""CitizenScience.gov: the US Federal Crowdsourcing and Citizen Science Catalog.

The catalog is published as files, not an API, in three generations that name the same facts differently: the
CSV export of its former CARTO backend (``catalog.csv``: ``cartodb_id``, ``project_topic``, ``status``), the
site's JSON feed (``feed/index.json``: ``project_id``, ``fields_of_science``, ``project_status``) and its DCAT-US
``data.json`` (``identifier``, ``theme``, the status folded into ``description``). The mapping reads all three
through one canonical row (`canonical_fields`). None has reliable update times, so every run is a full snapshot
with mark and sweep.

Dirt handled here: booleans written true/True/TRUE/Yes/yes/"" ; statuses and cells with trailing newlines
(``"active\n"``); start dates as ``2008``, ``2010\n``, ``5/1/2015`` (US month first) or ``2011-10-1``; locations as
hex EWKB points; multi-line quoted cells. Contact names, e-mails, phones and street addresses are personal data
and are never read into a model.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, HttpUrl
from typing_extensions import override

from hub.connectors._parsing import (
    clean_text,
    decode_wkb_point,
    is_placeholder,
    normalise_url,
    parse_bool,
    parse_date,
    split_list,
)
from hub.connectors._vocab import FlagCollector, load_tables
from hub.connectors.base import ConnectorConfig, RawRecord, unparsed_payload
from hub.connectors.snapshot import ListedSnapshotConnector
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import Project, ProjectAssociatedParty, ProjectGeographicLocation, ProjectParticipants
from hub.schema.vocab import ProjectAssociatedPartyRole

__all__ = ["FIELD_ALIASES", "CitizenScienceGovConfig", "CitizenScienceGovConnector", "canonical_fields", "dcat_fields"]

PLATFORM = "citizenscience-gov"
#: Later (feed.json) field name -> the CARTO export's name, which the mapping reads.
FIELD_ALIASES: Mapping[str, str] = {
    "project_id": "cartodb_id",
    "fields_of_science": "project_topic",
    "project_status": "status",
    "project_url_external": "project_url",
    "project_goals": "intended_outcomes",
}
_DEFAULT_PATHS = {"csv": "catalog.csv", "feed": "feed/index.json", "dcat": "data.json"}
# US dates are month first: "5/1/2015" is May 1st. The others are the shapes the catalogue's start dates take.
_DATE_FORMATS = ("%m/%d/%Y", "%Y/%m/%d", "%Y %m %d", "%Y/%B/%d", "%B %Y", "%Y %B")
_WGS84 = 4326


class CitizenScienceGovConfig(ConnectorConfig):
    """Settings of the CitizenScience.gov connector."""

    base_url: HttpUrl = Field(HttpUrl("https://citizenscience.gov/"), description="Root of the catalog site.")
    source: Literal["csv", "feed", "dcat"] = Field(
        "csv", description="Read the CSV export, the JSON feed, or the DCAT-US data.json."
    )
    path: str | None = Field(
        None, min_length=1, description="Path of the file under base_url; default catalog.csv or feed/index.json."
    )


def canonical_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """One row in the CARTO export's field names, whichever generation it came in (CSV, feed.json or data.json)."""
    if _is_dcat(row):
        return dcat_fields(row)
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = FIELD_ALIASES.get(key.strip(), key.strip())
        # When both generations are present the export's own column wins.
        if name not in out or key.strip() == name:
            out[name] = value
    return out


def _is_dcat(row: Mapping[str, Any]) -> bool:
    return row.get("@type") == "dcat:Dataset" or ("identifier" in row and "distribution" in row)


def dcat_fields(dataset: Mapping[str, Any]) -> dict[str, Any]:
    """A DCAT-US ``data.json`` dataset in the CARTO export's field names.

    The catalog's template folds several columns into DCAT-US fields, and this undoes it: ``description`` is
    ``"{status}. {description}"`` (HTML-escaped); ``keyword`` is one string joining the keywords, participant ages
    and participation tasks; ``publisher.name`` is the sponsor codes then the free-text other sponsors; the project
    and SciStarter URLs are ``distribution`` entries told apart by title. ``contactPoint`` and ``programCode`` hold a
    person's e-mail and are not read.
    """
    tables = load_tables("citizenscience_gov")
    out: dict[str, Any] = {"cartodb_id": dataset.get("identifier"), "project_name": _unescaped(dataset.get("title"))}
    description = _unescaped(dataset.get("description")) or ""
    prefix, separator, rest = description.partition(". ")
    if separator and tables["projectStatus"].lookup(prefix) is not None:
        out["status"], description = prefix, rest
    out["project_description"] = description
    out["start_date"] = dataset.get("issued")
    out["geographic_scope"] = dataset.get("spatial")
    themes = dataset.get("theme")
    out["project_topic"] = ", ".join(str(t) for t in themes) if isinstance(themes, list) else dataset.get("category")
    publisher = dataset.get("publisher")
    out["agency_sponsor"] = publisher.get("name") if isinstance(publisher, Mapping) else None
    for item in dataset.get("distribution") or []:
        if not isinstance(item, Mapping):
            continue
        title, url = str(item.get("title") or ""), item.get("accessURL")
        if title == "Project Website":
            out["project_url"] = url
        elif title.startswith("Scistarter"):
            out["scistarter"] = url
        elif "citizenscience.gov" in str(item.get("description") or "").lower():
            out["project_url_on_catalog"] = url
    keywords, ages, tasks = [], [], []
    for value in dataset.get("keyword") or []:
        for term in split_list(str(value)):
            if tables["projectParticipantAge"].lookup(term) is not None:
                ages.append(term)
            elif tables["scientificProcessInvolved"].lookup(term) is not None:
                tasks.append(term)
            else:
                keywords.append(term)
    out["keywords"], out["participant_age"], out["participation_tasks"] = (
        ", ".join(keywords),
        ", ".join(ages),
        ", ".join(tasks),
    )
    return out


def _unescaped(value: object) -> str | None:
    # The template HTML-escapes the text it writes into JSON (S&#39;COOL).
    return html.unescape(value) if isinstance(value, str) else None


class CitizenScienceGovConnector(ListedSnapshotConnector):
    """Full snapshots of the US federal citizen-science catalog."""

    name: ClassVar[str] = "citizenscience-gov"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = CitizenScienceGovConfig

    config: CitizenScienceGovConfig  # narrowed: Connector.__init__ checks it is an instance of config_model

    @override
    async def listing(self) -> list[RawRecord]:
        settings = self.config
        path = settings.path or _DEFAULT_PATHS[settings.source]
        url = str(settings.base_url).rstrip("/") + "/" + path.lstrip("/")
        if settings.source == "csv":
            response = await self.http.get(url, connector=self.name, decode_json=False)
            rows = self._csv_rows(response.body, path)
        elif settings.source == "feed":
            response = await self.http.get(url, connector=self.name)
            rows = self._feed_rows(response.data, path)
        else:
            response = await self.http.get(url, connector=self.name)
            rows = self._dcat_rows(response.data, path)
        records = [self._record(index, row, response.url) for index, row in enumerate(rows)]
        return records

    def _csv_rows(self, body: bytes, path: str) -> list[dict[str, Any]]:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FatalConnectorError(
                f"{path} is not UTF-8 ({exc}); the export's encoding changed", connector=self.name
            ) from exc
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames or not {"cartodb_id", "project_id"} & {f.strip() for f in reader.fieldnames}:
            raise FatalConnectorError(
                f"{path} has no cartodb_id or project_id column (header: {reader.fieldnames!r}); "
                "not the catalog export",
                connector=self.name,
            )
        return [dict(row) for row in reader]

    def _feed_rows(self, data: Any, path: str) -> list[dict[str, Any]]:
        projects = data.get("project") if isinstance(data, Mapping) else None
        if not isinstance(projects, list):
            raise FatalConnectorError(
                f"{path} has no 'project' array; not the catalog's JSON feed", connector=self.name
            )
        return [item if isinstance(item, dict) else {"_item": item} for item in projects]

    def _dcat_rows(self, data: Any, path: str) -> list[dict[str, Any]]:
        datasets = data.get("dataset") if isinstance(data, Mapping) else None
        if not isinstance(datasets, list):
            raise FatalConnectorError(f"{path} has no 'dataset' array; not a DCAT-US catalog", connector=self.name)
        return [item if isinstance(item, dict) else {"_item": item} for item in datasets]

    @staticmethod
    def _record(index: int, row: Mapping[str, Any], source_url: str) -> RawRecord:
        native = canonical_fields(row).get("cartodb_id")
        native_id = str(native).strip() if native is not None else ""
        if not native_id:
            payload = unparsed_payload(str(row)[:2000], f"row {index + 1} has no cartodb_id/project_id")
            return RawRecord(PLATFORM, "project", f"row-{index + 1}", payload, source_url)
        return RawRecord(PLATFORM, "project", native_id, row, source_url)

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        row = canonical_fields(self.require_parsed(record))
        if record.kind != "project":
            raise self.skip(record, f"unknown record kind {record.kind!r}")
        tables = load_tables("citizenscience_gov")
        flags = FlagCollector()
        name = clean_text(_cell(row, "project_name"))
        if not name:
            raise self.skip(record, "project has no project_name")

        status = tables["projectStatus"].map_one(_cell(row, "status"), flags, source_field="status")
        topics = split_list(_cell(row, "project_topic"))
        tasks = split_list(_cell(row, "participation_tasks"))
        ages = tables["projectParticipantAge"].map_terms(
            split_list(_cell(row, "participant_age")), flags, source_field="participant_age"
        )
        sponsors = tables["projectUsFederalSponsor"].map_terms(
            split_list(_cell(row, "agency_sponsor")), flags, source_field="agency_sponsor"
        )
        url_text = _cell(row, "project_url")
        url = normalise_url(url_text)
        if url_text and url is None:
            flags.add("project_url", url_text, "not a web address; left out")
        listed_on_scistarter = _scistarter_link(_cell(row, "scistarter"), flags)
        catalog_page = normalise_url(_cell(row, "project_url_on_catalog")) or (
            f"https://citizenscience.gov/catalog/{record.native_id}/"
        )
        return [
            Project(
                iri=mint_iri("project", PLATFORM, record.native_id),
                project_id=record.native_id,
                project_name=name,
                project_description=clean_text(_cell(row, "project_description")),
                keyword=split_list(_cell(row, "keywords")),
                project_status=status,
                project_start_date=_date(row, "start_date", flags),
                project_date_created=_date(row, "created_at", flags),
                project_last_updated_date=_date(row, "updated_at", flags),
                project_science_type=tables["projectScienceType"].map_terms(
                    topics, flags, source_field="project_topic"
                ),
                scientific_process_involved=tables["scientificProcessInvolved"].map_terms(
                    tasks, flags, source_field="participation_tasks"
                ),
                project_participants=ProjectParticipants(project_participant_age=ages) if ages else None,
                project_intended_outcomes=split_list(_cell(row, "intended_outcomes")),
                project_url=url,
                project_external_links=[listed_on_scistarter] if listed_on_scistarter else [],
                project_locality=clean_text(_cell(row, "geographic_scope")),
                project_geographic_location=_location(_cell(row, "the_geom"), flags),
                project_responsible_party_name=clean_text(_cell(row, "affiliation")),
                project_associated_party=[
                    ProjectAssociatedParty(
                        project_us_federal_sponsor=sponsor,
                        project_associated_party_role=ProjectAssociatedPartyRole.SPONSOR_FUNDER,
                    )
                    for sponsor in sponsors
                ],
                hosted_on=[platform_iri(PLATFORM)],
                same_as=[catalog_page],
                data_quality_flag=flags.texts(),
            )
        ]


def _cell(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None or is_placeholder(value):
        # "None", "N/A" and "TBD" in a cell mean no value, not a value to flag.
        return None
    text = str(value).strip()
    return text or None


def _scistarter_link(value: str | None, flags: FlagCollector) -> str | None:
    """The SciStarter page of a project: the later catalog gives a URL, the export only a loose boolean.

    A boolean has no PPSR field (it only says "also on SciStarter"); a value that is neither is flagged.
    """
    if value is None or parse_bool(value) is not None:
        return None
    url = normalise_url(value)
    if url is None:
        flags.add("scistarter", value, "neither a boolean nor a SciStarter URL")
    return url


def _date(row: Mapping[str, Any], key: str, flags: FlagCollector) -> Any:
    text = _cell(row, key)
    if text is None:
        return None
    parsed = parse_date(text, formats=_DATE_FORMATS)
    if parsed is None:
        flags.add(key, text, "not a readable date; left out")
        return None
    if parsed.precision == "year" and key == "start_date":
        flags.add(key, text, "year only; published as January 1st of that year")
    return parsed.value


def _location(hex_wkb: str | None, flags: FlagCollector) -> list[ProjectGeographicLocation]:
    if hex_wkb is None:
        return []
    try:
        point = decode_wkb_point(hex_wkb)
    except ValueError as exc:
        flags.add("the_geom", hex_wkb, f"not a WKB point ({exc}); no pin published")
        return []
    if point.srid not in (None, _WGS84):
        flags.add("the_geom", hex_wkb, f"SRID {point.srid}, not WGS84 (4326); no pin published")
        return []
    if not (-90 <= point.y <= 90 and -180 <= point.x <= 180):
        flags.add("the_geom", hex_wkb, "outside WGS84 bounds; no pin published")
        return []
    return [ProjectGeographicLocation(project_pin_latitude=point.y, project_pin_longitude=point.x)]
