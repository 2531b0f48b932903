"""CitizenScience.gov connector against replays of the catalog's CSV export and its JSON feed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from hub.connectors.citizenscience_gov import (
    CitizenScienceGovConfig,
    CitizenScienceGovConnector,
    canonical_fields,
)
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.iris import mint_iri
from hub.schema.models import Project
from tests.connectors.portal_replay import (
    base_url,
    by_iri,
    collect,
    fixture_json,
    fixture_text,
    http_client,
    json_route,
    map_all,
    replay_app,
)

CSV = fixture_text("citizenscience_gov", "catalog.csv")
FEED = fixture_json("citizenscience_gov", "feed.json")
DCAT = fixture_json("citizenscience_gov", "data.json")


def iri(native_id: int) -> str:
    return mint_iri("project", "citizenscience-gov", native_id)


def catalog_app():
    return replay_app(
        {
            "/catalog.csv": json_route(CSV, content_type="text/csv"),
            "/feed/index.json": json_route(FEED),
            "/data.json": json_route(DCAT),
        }
    )


async def synced(aiohttp_server, **config):
    """The batches and the models (by IRI) of one sync of the catalog app with ``config``."""
    server = await aiohttp_server(catalog_app())
    async with http_client() as http:
        connector = CitizenScienceGovConnector(CitizenScienceGovConfig(base_url=base_url(server), **config), http=http)
        batches = await collect(connector)
    return batches, by_iri(map_all(connector, batches))


@pytest.fixture
async def from_csv(aiohttp_server):
    """Models of one sync of the CSV export."""
    return await synced(aiohttp_server)


@pytest.fixture
async def from_feed(aiohttp_server):
    """Models of one sync of the JSON feed (the later field names)."""
    return await synced(aiohttp_server, source="feed")


def project(models: Mapping[str, HubModel], native_id: int) -> Project:
    model = models[iri(native_id)]
    assert isinstance(model, Project)
    return model


async def test_the_csv_export_is_one_complete_snapshot(from_csv):
    """Ten rows (multi-line cells included) are ten project records in one complete batch."""
    batches, models = from_csv
    assert len(batches) == 1
    assert batches[0].snapshot_complete
    assert sorted(int(r.native_id) for r in batches[0].records) == [75, 83, 189, 191, 194, 195, 218, 349, 353, 421]
    assert len(models) == 10


async def test_scool_maps_status_dates_wkb_pin_science_type_and_tasks(from_csv):
    """S'COOL (cartodb_id 75): active since 1997-01-13, pinned at NASA Langley from its hex EWKB point."""
    scool = project(from_csv[1], 75)
    assert scool.project_name == "Students' Cloud observations On-Line"
    assert scool.project_status == "Active"
    assert scool.project_start_date == datetime(1997, 1, 13, tzinfo=UTC)
    assert scool.project_date_created == datetime(2015, 8, 18, 20, 58, 12, 6834, tzinfo=UTC)
    assert scool.project_last_updated_date == datetime(2015, 9, 14, 17, 1, 51, 38079, tzinfo=UTC)
    pin = scool.project_geographic_location[0]
    assert pin.project_pin_latitude == pytest.approx(37.02987)
    assert pin.project_pin_longitude == pytest.approx(-76.34522)
    assert scool.project_science_type == ["Earth Sciences - Atmospheric Sciences"]
    assert scool.scientific_process_involved == [
        "Classification or tagging",
        "Data analysis",
        "Data entry",
        "Identification",
        "Learning",
        "Measurement",
        "Observation",
        "Photography",
    ]
    assert [p.project_us_federal_sponsor for p in scool.project_associated_party] == [
        "National Aeronautics and Space Administration"
    ]
    assert scool.project_url == "http://scool.larc.nasa.gov"
    assert scool.same_as == ["https://citizenscience.gov/catalog/75/"]
    assert scool.keyword[-1] == "NASA"
    assert scool.data_quality_flag == []


@pytest.mark.parametrize(
    ("native_id", "status"),
    [
        (191, "Active"),
        (218, "Active"),
        (195, "On hold"),
        (194, "Not yet started"),
        (83, "Periodically active"),
        (421, "Completed"),
    ],
)
async def test_messy_statuses_map_to_ppsr_labels(from_csv, native_id, status):
    """'active\\n', 'Active', 'hiatus', 'pending', 'active_but_seasonal' and 'complete' all land on PPSR labels."""
    assert project(from_csv[1], native_id).project_status == status


async def test_start_dates_in_every_shape(from_csv):
    """'5/1/2015\\n' is May 1st, '2011-10-1' is read, and a bare year is January 1st with a flag saying so."""
    models = from_csv[1]
    assert project(models, 194).project_start_date == datetime(2015, 5, 1, tzinfo=UTC)
    assert project(models, 421).project_start_date == datetime(2011, 10, 1, tzinfo=UTC)
    wildlife = project(models, 195)
    assert wildlife.project_start_date == datetime(2010, 1, 1, tzinfo=UTC)
    assert "start_date='2010': year only; published as January 1st of that year" in wildlife.data_quality_flag


async def test_title_case_topics_and_blank_geometry(from_csv):
    """'Animals, Birds, Nature and outdoors' maps like the snake_case codes; a row without the_geom has no pin."""
    models = from_csv[1]
    refuge = project(models, 218)
    assert refuge.project_science_type == [
        "Biological Sciences - Zoology",
        "Environmental Sciences - Environmental Science And Management",
    ]
    assert project(models, 189).project_geographic_location == []


async def test_no_contact_person_reaches_a_record(from_csv):
    """Names, e-mails, phones and street addresses in the export never appear in a published document."""
    for model in from_csv[1].values():
        document = model.to_jsonld_bytes().decode()
        for personal in (
            "Example Federal Contact",
            "example.gov",
            "Example Project Contact",
            "example.org",
            "555-0100",
            "1 Example Street",
        ):
            assert personal not in document


async def test_the_feed_generation_maps_to_the_same_iris_and_fields(from_feed, from_csv):
    """feed.json names fields differently; S'COOL still gets the same IRI, status, start and science type."""
    feed_models = from_feed[1]
    scool = project(feed_models, 75)
    assert iri(75) in from_csv[1]
    assert scool.project_status == "Active"
    assert scool.project_start_date == datetime(1997, 1, 13, tzinfo=UTC)
    assert scool.project_science_type == ["Earth Sciences - Atmospheric Sciences"]
    assert scool.project_geographic_location == []
    backyard = project(feed_models, 409)
    assert backyard.project_status == "Active"
    assert backyard.project_url == "https://www.backyardworlds.org"
    assert backyard.scientific_process_involved == ["Classification or tagging", "Finding entities"]
    assert backyard.same_as == ["https://citizenscience.gov/catalog/409/"]


async def test_feed_values_outside_the_crosswalk_are_flagged(from_feed):
    """An unknown status and an unknown field of science are flags on the record, and left out."""
    kelp = project(from_feed[1], 430)
    assert kelp.project_status is None
    assert kelp.project_science_type == ["Earth Sciences - Oceanography", "Earth Sciences - Hydrological Sciences"]
    assert "status='retired': no PPSR projectStatus for this value" in kelp.data_quality_flag
    assert "project_topic='Kelp forests': no PPSR projectScienceType for this value" in kelp.data_quality_flag


async def test_scistarter_is_a_link_when_the_catalog_gives_a_url_and_nothing_when_a_boolean(from_feed):
    """The later catalog puts the SciStarter page in 'scistarter'; 'TRUE' says only that one exists."""
    models = from_feed[1]
    assert project(models, 430).project_external_links == ["https://scistarter.org/coastal-kelp-watch"]
    assert project(models, 409).project_external_links == []


def test_canonical_fields_prefers_the_export_column_when_both_exist():
    """A row carrying both generations keeps the CARTO column's value."""
    row = canonical_fields({"project_status": "retired", "status": "active", "project_id": "9"})
    assert row == {"status": "active", "cartodb_id": "9"}


async def test_a_csv_that_is_not_the_catalog_is_fatal(aiohttp_server):
    """A CSV without an id column is refused with its header in the message."""
    server = await aiohttp_server(replay_app({"/catalog.csv": json_route("a,b\n1,2\n", content_type="text/csv")}))
    async with http_client() as http:
        connector = CitizenScienceGovConnector(CitizenScienceGovConfig(base_url=base_url(server)), http=http)
        with pytest.raises(FatalConnectorError, match=r"no cartodb_id or project_id column \(header: \['a', 'b'\]\)"):
            await collect(connector)


@pytest.fixture
async def from_dcat(aiohttp_server):
    """Models of one sync of the DCAT-US data.json."""
    return await synced(aiohttp_server, source="dcat")


async def test_the_dcat_generation_unfolds_what_the_template_folded(from_dcat):
    """data.json puts the status in the description and three lists in one keyword: S'COOL still maps the same."""
    scool = project(from_dcat[1], 75)
    assert scool.project_name == "Students\u2019 Cloud observations On-Line"
    assert scool.project_status == "Active"
    assert scool.project_description is not None
    assert scool.project_description.startswith("The S'COOL Project involves people")
    assert scool.project_start_date == datetime(1997, 1, 13, tzinfo=UTC)
    assert scool.project_science_type == ["Earth Sciences - Atmospheric Sciences"]
    assert scool.keyword == ["cloud observation", "satellite comparison", "cloud science", "ground truth", "NASA"]
    assert "Observation" in scool.scientific_process_involved
    assert scool.project_participants is not None
    assert "General public" in scool.project_participants.project_participant_age
    assert scool.project_url == "http://scool.larc.nasa.gov"
    assert scool.project_external_links == []  # its Scistarter.org "URL" is the text "true"
    assert scool.same_as == ["https://citizenscience.gov/catalog/75/"]
    assert "project.contact@example.org" not in scool.to_jsonld_bytes().decode()


async def test_dcat_statuses_and_years_match_the_csv(from_dcat, from_csv):
    """The Wildlife Health Event Reporter is On hold since 2010 in data.json as in the CSV export."""
    dcat, csv_models = project(from_dcat[1], 195), project(from_csv[1], 195)
    assert (dcat.project_status, dcat.project_start_date) == (csv_models.project_status, csv_models.project_start_date)
    assert dcat.project_science_type == csv_models.project_science_type
