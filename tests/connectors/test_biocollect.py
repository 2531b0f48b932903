"""BioCollect connector against a replay of /ws/project/search and /ws/bioactivity/search."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import aiohttp
import pytest
from pydantic import SecretStr

from hub.connectors import HttpClient
from hub.connectors.biocollect import BioCollectConfig, BioCollectConnector
from hub.schema import HubModel
from hub.schema.anonymise import Pseudonymiser
from hub.schema.iris import mint_iri
from hub.schema.models import Contribution, Project
from tests.connectors.portal_replay import by_iri, collect, map_all
from tests.connectors.replay import Replay
from tests.connectors.replay_biocollect import TOUCHED, biocollect_app

KOALA = "fa3d9c1e-6a59-4d3b-9e0b-2b1f5c0c8e11"
FROGS = "0b7e2f43-9d1c-4a8e-8f5b-6c3d2e1a0f99"
REEF = "5d6c7b8a-1e2f-4a3b-8c9d-0e1f2a3b4c5d"
PSEUDONYMISER = Pseudonymiser(SecretStr("biocollect-test-secret-0123456789"))


async def _no_sleep(_s: float) -> None:
    return None


@pytest.fixture
async def biocollect(aiohttp_server):
    """A connector factory against the replay, and the replay app (to touch projects)."""
    replay = Replay()
    app = biocollect_app(replay)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        http = HttpClient(session, sleep=_no_sleep)

        def make() -> BioCollectConnector:
            config = BioCollectConfig(
                base_url=str(server.make_url("/")), page_size=2, requests_per_second=1000, activity_projects=[KOALA]
            )
            return BioCollectConnector(config, http=http, pseudonymiser=PSEUDONYMISER)

        yield make, app, replay


def project(models: Mapping[str, HubModel], project_id: str) -> Project:
    model = models[mint_iri("project", "biocollect", project_id)]
    assert isinstance(model, Project)
    return model


def occurrence(models: Mapping[str, HubModel], occurrence_id: str) -> Contribution:
    model = models[mint_iri("contribution", "biocollect", occurrence_id)]
    assert isinstance(model, Contribution)
    return model


async def test_koala_count_maps_status_dates_science_pin_and_tags(biocollect):
    """Koala Count: active since 2016-11-05, zoology/biodiversity/ecology, pinned in Sydney, for children."""
    make, _, _ = biocollect
    connector = make()
    koala = project(by_iri(map_all(connector, await collect(connector))), KOALA)
    assert koala.project_name == "Koala Count"
    assert koala.project_status == "Active"
    assert koala.project_start_date == datetime(2016, 11, 5, 13, tzinfo=UTC)
    assert koala.project_last_updated_date == datetime(2024, 3, 2, 9, 14, tzinfo=UTC)
    assert koala.project_science_type == [
        "Biological Sciences - Zoology",
        "Biological Sciences - Biodiversity",
        "Biological Sciences - Ecology",
    ]
    pin = koala.project_geographic_location[0]
    assert (pin.project_pin_latitude, pin.project_pin_longitude) == (-33.8688, 151.2093)
    assert koala.difficulty_level == "Easy"
    assert koala.has_tag == ["Suitable for children"]
    assert koala.project_url == "https://www.koalacount.example.org.au"
    assert koala.project_country == ["Australia"]
    assert koala.un_regions == ["Oceania - Australia and New Zealand (053)"]
    assert koala.responsible_party == mint_iri("organisation", "biocollect", "9c1a7b70-1f59-4e05-93e6-3b4a2f1d6c55")
    assert koala.keyword == ["koala", "census", "mammals"]
    assert "project.manager@example.org" not in koala.to_jsonld_bytes().decode()


async def test_a_completed_project_with_a_polygon_and_an_unknown_science_type(biocollect):
    """Frog Call Survey: ended 2019-07-31, a polygon with BioCollect's centre, Herpetology flagged."""
    make, _, _ = biocollect
    connector = make()
    frogs = project(by_iri(map_all(connector, await collect(connector))), FROGS)
    assert frogs.project_status == "Completed"
    assert frogs.project_end_date == datetime(2019, 7, 31, tzinfo=UTC)
    assert frogs.difficulty_level == "Medium"
    location = frogs.project_geographic_location[0]
    assert location.project_geographic_coverage is not None
    assert location.project_geographic_coverage["type"] == "Polygon"
    assert (
        location.project_geographic_coverage_centroid_latitude,
        location.project_geographic_coverage_centroid_longitude,
    ) == (-33.0, 151.0)
    assert frogs.has_tag == ["Participate from home", "Do-it-yourself"]
    assert frogs.data_quality_flag == ["scienceType='Herpetology': no PPSR projectScienceType for this value"]


async def test_a_scistarter_listing_keeps_its_evidence(biocollect):
    """Reef Check came from SciStarter: its SciStarter id is kept; empty HTML is no description."""
    make, _, _ = biocollect
    connector = make()
    reef = project(by_iri(map_all(connector, await collect(connector))), REEF)
    assert reef.project_external_id == ["scistarter:4187"]
    assert reef.project_original_repository == ["SciStarter"]
    assert reef.project_description is None
    assert reef.project_country == ["Australia", "Papua New Guinea"]


async def test_activity_records_are_occurrences_by_pseudonyms(biocollect):
    """A koala sighting: Phascolarctos cinereus, one individual, at its point, recorded by a pseudonym."""
    make, _, _ = biocollect
    connector = make()
    models = by_iri(map_all(connector, await collect(connector)))
    sighting = occurrence(models, "4f6c2a8e-7d1b-4c3e-9f0a-8b7c6d5e4f3a")
    assert sighting.project == mint_iri("project", "biocollect", KOALA)
    assert sighting.scientific_name == "Phascolarctos cinereus"
    assert (sighting.individual_count, sighting.occurrence_status) == (1, "present")
    assert (sighting.decimal_latitude, sighting.decimal_longitude) == (-28.2145, 153.5431)
    assert sighting.event_date == "2024-03-02T08:30:00+00:00"
    assert sighting.recorded_by == PSEUDONYMISER.agent_iri("biocollect", "38215")
    assert sighting.dataset == mint_iri("dataset", "biocollect", "pa-7f3e2d1c")
    for model in models.values():
        assert "Volunteer" not in model.to_jsonld_bytes().decode()


async def test_an_embargoed_activity_withholds_its_location(biocollect):
    """The embargoed activity's records have no coordinates and say why; a count of 0 is an absence."""
    make, _, _ = biocollect
    connector = make()
    models = by_iri(map_all(connector, await collect(connector)))
    two = occurrence(models, "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d")
    assert two.decimal_latitude is None
    assert two.information_withheld == "Location withheld: the activity is under embargo on BioCollect"
    assert two.individual_count == 2
    none_seen = occurrence(models, "8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e")
    assert none_seen.occurrence_status == "absent"
    assert none_seen.event_date == "2024-03-03"


async def test_incremental_sync_reads_only_what_changed(biocollect):
    """After a full sync, an unchanged platform yields nothing; touching one project yields only it."""
    make, app, replay = biocollect
    first = await collect(make())
    cursor = first[-1].cursor
    mark = replay.mark()
    assert [r for b in await collect(make(), cursor) for r in b.records] == []
    searched = [r.path_qs for r in replay.since(mark) if r.path == "/ws/project/search"]
    assert len(searched) == 1, "an unchanged platform costs one page"
    assert all("sort=lastUpdated" in q and "order=DESC" in q for q in searched)
    app[TOUCHED][REEF] = "2025-01-01T00:00:00Z"
    again = await collect(make(), cursor)
    assert [(r.kind, r.native_id) for b in again for r in b.records] == [("project", REEF)]
