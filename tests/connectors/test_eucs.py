"""EU-Citizen.Science connector against a replay of the portal's unpaged project and organisation arrays."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from aiohttp import web

from hub.connectors.base import RawRecord
from hub.connectors.eucs import EucsConfig, EucsConnector
from hub.errors import FatalConnectorError, SkippableRecordError
from hub.schema.iris import mint_iri
from hub.schema.models import Organisation, Project
from tests.connectors.portal_replay import (
    REQUESTS,
    base_url,
    by_iri,
    collect,
    fixture_json,
    http_client,
    json_route,
    map_all,
    replay_app,
)

PROJECTS = fixture_json("eucs", "projects.json")
ORGANISATIONS = fixture_json("eucs", "organisations.json")


def eucs_app(projects: list[dict[str, Any]] | None = None) -> web.Application:
    """The portal: /api/projects/ honours ?country= as the live API does."""
    listing = PROJECTS if projects is None else projects

    async def projects_handler(request: web.Request) -> web.Response:
        request.app[REQUESTS].append(dict(request.query) | {"_path": request.path})
        country = request.query.get("country")
        rows = [p for p in listing if country is None or p.get("country") == country]
        return web.Response(text=orjson.dumps(rows).decode(), content_type="application/json")

    return replay_app({"/api/projects/": projects_handler, "/api/organisations/": json_route(ORGANISATIONS)})


def project_iri(native_id: int) -> str:
    return mint_iri("project", "eu-citizen-science", native_id)


@pytest.fixture
async def synced(aiohttp_server):
    """One full sync of the replayed portal: its batches, the models they map to, and the connector."""
    server = await aiohttp_server(eucs_app())
    async with http_client() as http:
        connector = EucsConnector(EucsConfig(base_url=base_url(server), page_size=5), http=http)
        batches = await collect(connector)
        yield batches, by_iri(map_all(connector, batches)), connector


async def test_snapshot_is_cut_into_batches_and_the_last_one_is_complete(synced):
    """10 organisations + 7 projects in pages of 5: four batches, only the last marks the snapshot complete."""
    batches, _, _ = synced
    assert [len(b.records) for b in batches] == [5, 5, 5, 2]
    assert [b.snapshot_complete for b in batches] == [False, False, False, True]
    assert batches[-1].cursor is None


async def test_vespawatch_maps_status_dates_pin_science_types_and_organisation(synced):
    """A known project: Vespawatch (id 184), active since 2018-02-01, INBO's, pinned in Brussels."""
    _, models, _ = synced
    project = models[project_iri(184)]
    assert isinstance(project, Project)
    assert project.project_name == "Vespawatch"
    assert project.project_status == "Active"
    assert project.project_start_date == datetime(2018, 2, 1, tzinfo=UTC)
    assert project.project_end_date is None
    assert project.project_date_created == datetime(2020, 12, 18, 17, 22, 29, 27278, tzinfo=UTC)
    pin = project.project_geographic_location[0]
    assert (pin.project_pin_latitude, pin.project_pin_longitude) == (50.866595, 4.350256)
    assert project.project_science_type == [
        "Biological Sciences - Zoology",
        "Biological Sciences - Biodiversity",
        "Biological Sciences - Ecology",
        "Environmental Sciences - Environmental Science And Management",
    ]
    assert project.project_country == ["Belgium"]
    assert project.responsible_party == mint_iri("organisation", "eu-citizen-science", 66)
    assert project.project_responsible_party_name == "Research Institute for Nature and Forest (INBO)"
    assert project.project_aim is not None
    assert project.project_aim.startswith("Vespawatch targets beekeepers")
    assert "<p>" not in project.project_aim
    assert project.same_as == ["https://eu-citizen.science/project/184"]
    assert project.data_quality_flag == []


async def test_url_without_scheme_gets_https_and_running_projects_only_plan_their_end(synced):
    """'www.cowslips.eu' becomes https://www.cowslips.eu; a periodically active project's end is planned."""
    _, models, _ = synced
    project = models[project_iri(185)]
    assert isinstance(project, Project)
    assert project.project_url == "https://www.cowslips.eu"
    assert project.project_status == "Periodically active"
    assert project.project_end_date is None
    assert project.project_planned_end_date == datetime(2021, 6, 15, tzinfo=UTC)
    assert project.project_country == []
    assert [
        (p.project_associated_party_name, p.project_associated_party_role) for p in project.project_associated_party
    ] == [
        ("Vetenskap & Allmänhet (VA \u2013 Public & Science)", "Partner"),
        ("Estonian Fund for Nature", "Partner"),
    ]
    assert project.project_associated_party[1].project_associated_party_id == mint_iri(
        "organisation", "eu-citizen-science", 68
    )


async def test_cordis_origin_becomes_original_repository_and_external_id(synced):
    """SCENT came from CORDIS: the origin hints are kept, and its actual end date is an end date."""
    _, models, _ = synced
    project = models[project_iri(181)]
    assert isinstance(project, Project)
    assert project.project_original_repository == ["CORDIS"]
    assert project.project_external_id == ["CORDIS:Grant agreement ID: 688930"]
    assert project.project_external_links == ["https://cordis.europa.eu/project/id/688930"]
    assert project.project_status == "Completed"
    assert project.project_end_date == datetime(2019, 8, 31, tzinfo=UTC)
    assert [f.project_funding_source for f in project.project_funding] == ["European Commission"]


async def test_what_cannot_be_mapped_is_flagged_on_the_record(synced):
    """A 'website under construction' URL, an unknown topic and blank coordinates are flags, not guesses."""
    _, models, _ = synced
    seeds = models[project_iri(234)]
    assert isinstance(seeds, Project)
    assert seeds.project_url is None
    assert any(flag.startswith("url='*Website under construction") for flag in seeds.data_quality_flag)
    noise = models[project_iri(9001)]
    assert isinstance(noise, Project)
    assert noise.data_quality_flag == ["topic='Smart cities': no PPSR projectScienceType for this value"]
    assert noise.project_science_type == ["Biological Sciences - Zoology"]
    assert noise.project_geographic_location == []
    assert noise.project_status == "Abandoned"
    assert noise.project_country == ["Latvia"]
    assert noise.project_url == "https://noiselab.example.eu/"


async def test_organisations_are_published_without_contact_persons(synced):
    """Organisations keep name and URL (scheme added) and never the contact person or e-mail."""
    _, models, _ = synced
    inbo = models[mint_iri("organisation", "eu-citizen-science", 66)]
    assert isinstance(inbo, Organisation)
    assert inbo.url == "https://www.inbo.be"
    for model in models.values():
        document = model.to_jsonld_bytes().decode()
        assert "contact@example.org" not in document
        assert "Example Contact Person" not in document


async def test_country_instance_asks_the_portal_for_its_country_only(aiohttp_server):
    """A national view: ?country=ES is sent on both listings and only Spanish projects come back."""
    app = eucs_app()
    server = await aiohttp_server(app)
    async with http_client() as http:
        connector = EucsConnector(EucsConfig(base_url=base_url(server), country="ES"), http=http)
        batches = await collect(connector)
    projects = [r for b in batches for r in b.records if r.kind == "project"]
    assert sorted(r.native_id for r in projects) == ["226", "234"]
    assert {q.get("country") for q in app[REQUESTS]} == {"ES"}


async def test_a_resumed_snapshot_skips_what_was_committed(synced, aiohttp_server):
    """Resuming from the cursor of the first batch yields the remaining records only, ending complete."""
    batches, _, _ = synced
    server = await aiohttp_server(eucs_app())
    async with http_client() as http:
        connector = EucsConnector(EucsConfig(base_url=base_url(server), page_size=5), http=http)
        resumed = await collect(connector, batches[0].cursor)
    assert sum(len(b.records) for b in resumed) == 12
    assert resumed[-1].snapshot_complete


async def test_a_paged_envelope_instead_of_the_array_is_fatal(aiohttp_server):
    """If the portal starts paging ({count, results}), the connector stops with a clear message."""
    app = replay_app(
        {
            "/api/projects/": json_route({"count": 0, "results": []}),
            "/api/organisations/": json_route([]),
        }
    )
    server = await aiohttp_server(app)
    async with http_client() as http:
        connector = EucsConnector(EucsConfig(base_url=base_url(server)), http=http)
        with pytest.raises(FatalConnectorError, match=r"/api/projects/ returned dict, expected the unpaged JSON array"):
            await collect(connector)


async def test_a_project_without_a_name_is_skipped_with_its_reason():
    """One nameless project is a dead letter naming the record, not a crash of the sync."""
    async with http_client() as http:
        connector = EucsConnector(EucsConfig(), http=http)
        record = RawRecord("eu-citizen-science", "project", "77", {"id": 77, "name": "  "}, "https://x/api/projects/")
        with pytest.raises(SkippableRecordError, match=r"project '77' .*: project has no name"):
            connector.map(record)
