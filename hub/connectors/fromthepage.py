"""FromThePage: crowdsourced transcription of cultural-heritage documents, read through IIIF.

IIIF Presentation API 2: ``/iiif/collections/{owner}`` lists an owner's collections; ``/iiif/collection/{slug}``
lists a collection's works as manifests, each with FromThePage's "Work Status" service (``pctComplete``,
``pctTranscribed``, ``pctIndexed``, ``metadataStatus``...); ``/iiif/{work}/structured`` holds a work's
field-based transcription. IIIF is how cultural-heritage crowdsourcing moves data, so the manifest IRIs are kept
as they are: they are the targets of the transcriptions.

Published: each collection as a `Project` (with the volunteer processes its works show progress on), each
collection's completion as `ContributionStatistics` (works fully transcribed), and each work's structured
transcription as a `Contribution` of type transcription (Web Annotation motivation ``oa:describing``) whose target
is the work's manifest. IIIF gives no change feed, so every run is a full snapshot with mark and sweep.

Privacy: a structured answer names its contributors (``userName``, ``realName``); the real name is never read and
the user name only becomes a pseudonymous agent IRI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import Field, HttpUrl, model_validator
from typing_extensions import override
from yarl import URL

from hub.connectors._parsing import parse_float, strip_html
from hub.connectors._vocab import FlagCollector, load_tables
from hub.connectors.base import ConnectorConfig, RawRecord, unparsed_payload
from hub.connectors.snapshot import ListedSnapshotConnector
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import Contribution, ContributionStatistics, ContributionType, Project, TextualBody

__all__ = ["FromThePageConfig", "FromThePageConnector"]

PLATFORM = "fromthepage"
# Cumulative counts: FromThePage does not say when counting began, so the period opens at the Unix epoch.
_SINCE_RECORDS_BEGAN = datetime(1970, 1, 1, tzinfo=UTC)
_WORK_STATUS = "Work Status"


class FromThePageConfig(ConnectorConfig):
    """Which collections to harvest: all of an owner's, or a list of collection slugs."""

    base_url: HttpUrl = Field(HttpUrl("https://fromthepage.com/"), description="Root of the FromThePage site.")
    owner: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]+$", description="Harvest every collection of this owner.")
    collections: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]] = Field(
        default_factory=list, description="Collection slugs to harvest."
    )
    transcriptions: bool = Field(True, description="Read each work's structured transcription (one request a work).")

    @model_validator(mode="after")
    def _something_to_harvest(self) -> Self:
        if self.owner is None and not self.collections:
            raise ValueError("set 'owner' (all of its collections) or 'collections' (their slugs)")
        return self


class FromThePageConnector(ListedSnapshotConnector):
    """Full snapshots of FromThePage collections, their works' status and structured transcriptions."""

    name: ClassVar[str] = "fromthepage"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = FromThePageConfig

    config: FromThePageConfig  # narrowed: Connector.__init__ checks it is an instance of config_model

    def _url(self, path: str) -> str:
        return str(self.config.base_url).rstrip("/") + "/" + path

    async def _iiif(self, url: str) -> tuple[str, Mapping[str, Any]]:
        if URL(url).origin() != URL(str(self.config.base_url)).origin():
            raise FatalConnectorError(
                f"IIIF link {url} leaves {self.config.base_url}; not followed", connector=self.name
            )
        response = await self.http.get(url, connector=self.name, headers={"Accept": "application/json"})
        if not isinstance(response.data, Mapping):
            raise FatalConnectorError(f"{URL(url).path}: not a IIIF JSON object", connector=self.name)
        return response.url, response.data

    # ----------------------------------------------------------------------------------------------------------
    # fetch

    async def _collection_urls(self) -> list[str]:
        urls = [self._url(f"iiif/collection/{slug}") for slug in self.config.collections]
        if self.config.owner:
            _, listing = await self._iiif(self._url(f"iiif/collections/{self.config.owner}"))
            for item in listing.get("collections") or []:
                if isinstance(item, Mapping) and isinstance(item.get("@id"), str) and item["@id"] not in urls:
                    urls.append(item["@id"])
        return urls

    @override
    async def listing(self) -> list[RawRecord]:
        records: list[RawRecord] = []
        for url in await self._collection_urls():
            source, collection = await self._iiif(url)
            slug = URL(str(collection.get("@id") or url)).name
            records.append(RawRecord(PLATFORM, "collection", slug, collection, source))
            if not self.config.transcriptions:
                continue
            for manifest in collection.get("manifests") or []:
                manifest_id = manifest.get("@id") if isinstance(manifest, Mapping) else None
                if not isinstance(manifest_id, str) or not manifest_id.endswith("/manifest"):
                    payload = unparsed_payload(str(manifest)[:2000], f"manifest in {slug} has no IIIF manifest @id")
                    records.append(RawRecord(PLATFORM, "transcription", f"{slug}-unidentified", payload, source))
                    continue
                structured_url = manifest_id.removesuffix("/manifest") + "/structured"
                where, structured = await self._iiif(structured_url)
                # A work with no field-based transcription has nothing to publish as a contribution.
                if structured.get("data"):
                    work_id = URL(manifest_id).parent.name
                    payload = {"collection": slug, **structured}
                    records.append(RawRecord(PLATFORM, "transcription", work_id, payload, where))
        return records

    # ----------------------------------------------------------------------------------------------------------
    # map

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = self.require_parsed(record)
        if record.kind == "collection":
            return self._collection(record, payload)
        if record.kind == "transcription":
            return [self._transcription(record, payload)]
        raise self.skip(record, f"unknown record kind {record.kind!r}")

    def _collection(self, record: RawRecord, collection: Mapping[str, Any]) -> list[HubModel]:
        tables = load_tables("fromthepage")
        flags = FlagCollector()
        label = strip_html(collection.get("label") if isinstance(collection.get("label"), str) else None)
        if not label:
            raise self.skip(record, "collection has no label")
        statuses = [
            status
            for status in (_status(m) for m in collection.get("manifests") or [] if isinstance(m, Mapping))
            if status is not None
        ]
        progressing = [
            key
            for key in ("pctTranscribed", "pctOcrCorrected", "pctIndexed", "pctTranslated")
            if any((parse_float(s.get(key)) or 0) > 0 for s in statuses)
        ]
        if any(s.get("metadataStatus") not in (None, "undescribed") for s in statuses):
            progressing.append("metadataStatus")
        processes = tables["scientificProcessInvolved"].map_terms(progressing, flags, source_field="workStatus")
        complete = [s for s in statuses if (parse_float(s.get("pctComplete")) or 0) >= 100]
        # A collection whose every work is complete is finished; IIIF states no status of its own.
        status = None if not statuses else ("Completed" if len(complete) == len(statuses) else "Active")
        project_iri = mint_iri("project", PLATFORM, record.native_id)
        page = str(collection.get("@id") or record.source_url)
        project = Project(
            iri=project_iri,
            project_id=record.native_id,
            project_name=label,
            project_status=status,
            project_science_type=tables["projectScienceType"].map_terms(
                [str(collection.get("@type") or "sc:Collection")], flags, source_field="@type"
            ),
            scientific_process_involved=processes,
            project_url=page,
            hosted_on=[platform_iri(PLATFORM)],
            same_as=[page],
            data_quality_flag=flags.texts(),
        )
        harvested = self.clock()
        transcribed = [s for s in statuses if (parse_float(s.get("pctTranscribed")) or 0) >= 100]
        statistics = ContributionStatistics(
            # One cumulative statistic per project, updated in place (the statistics topic is compacted by IRI).
            iri=mint_iri("statistics", PLATFORM, f"{record.native_id}/cumulative"),
            project=project_iri,
            period_start=_SINCE_RECORDS_BEGAN,
            period_end=harvested,
            transcription_count=len(transcribed),
            generated_at_time=harvested,
        )
        return [project, statistics] if statuses else [project]

    def _transcription(self, record: RawRecord, structured: Mapping[str, Any]) -> Contribution:
        flags = FlagCollector()
        target = structured.get("on")
        manifest = target.get("@id") if isinstance(target, Mapping) else None
        collection = structured.get("collection")
        if not isinstance(manifest, str) or not isinstance(collection, str):
            raise self.skip(record, "structured data names no manifest ('on') or collection")
        bodies = []
        fields = []
        for item in structured.get("data") or []:
            if not isinstance(item, Mapping):
                continue
            label = strip_html(item.get("label") if isinstance(item.get("label"), str) else None) or "field"
            values = item.get("value")
            text = "; ".join(str(v) for v in values) if isinstance(values, list) else str(values or "")
            if text:
                bodies.append(TextualBody(value=f"{label}: {text}", format="text/plain"))
            fields.append({"label": item.get("label"), "value": values, "config": item.get("config")})
        names = [c.get("userName") for c in structured.get("contributors") or [] if isinstance(c, Mapping)]
        agents = [self.pseudonymiser.agent_iri(PLATFORM, n) for n in names if n and self.pseudonymiser is not None]
        if len(agents) > 1:
            flags.add("contributors", f"{len(agents)} contributors", "one contributor per record; none attributed")
        status = structured.get("workStatus")
        return Contribution(
            iri=mint_iri("contribution", PLATFORM, record.native_id),
            contribution_type=ContributionType.TRANSCRIPTION,
            project=mint_iri("project", PLATFORM, collection),
            target=[manifest],
            body=bodies,
            raw_annotation={"data": fields, "workStatus": status if isinstance(status, Mapping) else None},
            contributor=agents[0] if len(agents) == 1 else None,
            was_derived_from=str(structured.get("@id") or record.source_url),
            data_quality_flag=flags.texts(),
        )


def _status(manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The manifest's Work Status service (IIIF allows one service or a list)."""
    services = manifest.get("service")
    for service in services if isinstance(services, list) else [services]:
        if isinstance(service, Mapping) and (service.get("label") == _WORK_STATUS or "pctComplete" in service):
            return service
    return None
