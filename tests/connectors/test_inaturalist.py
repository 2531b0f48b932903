"""iNaturalist connector against a replay of API v1 (projects, id_above/updated_since observations, observers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import aiohttp
import pytest
from pydantic import SecretStr

from hub.connectors import Batch, HttpClient
from hub.connectors.inaturalist import INaturalistConfig, INaturalistConnector, generalise
from hub.schema import HubModel
from hub.schema.anonymise import Pseudonymiser
from hub.schema.iris import mint_iri
from hub.schema.models import Contribution, ContributionStatistics, Project
from tests.connectors.portal_replay import by_iri, collect, map_all
from tests.connectors.replay import Replay
from tests.connectors.replay_inaturalist import inaturalist_app

PSEUDONYMISER = Pseudonymiser(SecretStr("inaturalist-test-secret-0123456789"))
FIRST_SYNC = datetime(2020, 9, 4, tzinfo=UTC)


async def _no_sleep(_s: float) -> None:
    return None


@pytest.fixture
async def inat(aiohttp_server):
    """A connector factory against the replay (project ids 8291, 8527, 19200), plus the replay's request log."""
    replay = Replay()
    server = await aiohttp_server(inaturalist_app(replay))
    async with aiohttp.ClientSession() as session:
        http = HttpClient(session, sleep=_no_sleep)

        def make(clock: datetime = FIRST_SYNC, **extra: object) -> INaturalistConnector:
            config = INaturalistConfig.model_validate(
                {
                    "base_url": str(server.make_url("/v1/")),
                    "project_ids": [8291, 8527, 19200],
                    "requests_per_second": 1000,
                    "page_size": 2,
                    **extra,
                }
            )
            return INaturalistConnector(config, http=http, pseudonymiser=PSEUDONYMISER, clock=lambda: clock)

        yield make, replay


def models_of(connector: INaturalistConnector, batches: Sequence[Batch]) -> Mapping[str, HubModel]:
    return by_iri(map_all(connector, batches))


def contribution(models: Mapping[str, HubModel], obs_id: int) -> Contribution:
    model = models[mint_iri("contribution", "inaturalist", obs_id)]
    assert isinstance(model, Contribution)
    return model


async def test_a_project_maps_type_science_pin_dates_and_page(inat):
    """WA Invasives (8527, an assessment project) is biodiversity, pinned in Washington, created 2016-08-09."""
    make, _ = inat
    connector = make()
    models = models_of(connector, await collect(connector))
    project = models[mint_iri("project", "inaturalist", 8527)]
    assert isinstance(project, Project)
    assert project.project_name == "WA Invasives"
    assert project.project_science_type == ["Biological Sciences - Biodiversity"]
    assert project.scientific_process_involved == ["Observation", "Identification", "Data entry"]
    pin = project.project_geographic_location[0]
    assert (pin.project_pin_latitude, pin.project_pin_longitude) == (47.4117083012, -120.592515904)
    assert project.project_date_created == datetime(2016, 8, 9, 16, 4, tzinfo=UTC)
    assert project.same_as == ["https://www.inaturalist.org/projects/wa-invasives"]


async def test_an_open_observation_is_a_darwin_core_occurrence_by_a_pseudonym(inat):
    """Observation 57754375: a Monarch at its exact public point, CC BY-NC, recorded by a pseudonymous agent."""
    make, _ = inat
    connector = make()
    monarch = contribution(models_of(connector, await collect(connector)), 57754375)
    assert monarch.project == mint_iri("project", "inaturalist", 8291)
    assert monarch.basis_of_record == "HumanObservation"
    assert monarch.scientific_name == "Danaus plexippus"
    assert monarch.taxon_id == "https://www.inaturalist.org/taxa/48662"
    assert (monarch.decimal_latitude, monarch.decimal_longitude) == (50.0949055, -104.71929167)
    assert monarch.data_generalizations is None
    assert monarch.event_date == "2020-08-27T08:57:22+00:00"
    assert monarch.occurrence_id == "urn:uuid:c44b91f3-534d-48c4-933d-a8b4e1d8f87b"
    assert monarch.license == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert monarch.recorded_by == PSEUDONYMISER.agent_iri("inaturalist", "2000001")
    document = monarch.to_jsonld_bytes().decode()
    for personal in ("observer_one", "Example Observer", "Railway Ave", "2000001"):
        assert personal not in document


async def test_an_obscured_location_is_generalised_to_its_cell_and_says_so(inat):
    """57760001 (observer obscured): the cell centre 48.9, -122.3 with its half-diagonal as uncertainty."""
    make, _ = inat
    connector = make()
    obscured = contribution(models_of(connector, await collect(connector)), 57760001)
    assert (obscured.decimal_latitude, obscured.decimal_longitude) == (48.9, -122.3)
    assert obscured.coordinate_uncertainty_in_meters == pytest.approx(13_325, abs=20)
    assert obscured.data_generalizations is not None
    assert "obscured by the observer" in obscured.data_generalizations
    assert "0.2-degree cell" in obscured.data_generalizations
    by_taxon = contribution(models_of(connector, await collect(connector)), 57790002)
    assert by_taxon.data_generalizations is not None
    assert "iNaturalist for this taxon" in by_taxon.data_generalizations
    assert by_taxon.license is None


async def test_a_private_location_is_withheld(inat):
    """57800003 (geoprivacy private): no coordinates, informationWithheld says why."""
    make, _ = inat
    connector = make()
    private = contribution(models_of(connector, await collect(connector)), 57800003)
    assert private.decimal_latitude is None
    assert private.information_withheld == "Location withheld: made private by the observer (iNaturalist geoprivacy)"
    assert private.scientific_name is None


async def test_an_unknown_licence_is_a_flag(inat):
    """A licence code outside the crosswalk is left out and flagged."""
    make, _ = inat
    connector = make()
    odd = contribution(models_of(connector, await collect(connector)), 57810004)
    assert odd.license is None
    assert odd.data_quality_flag == ["license_code='cc-by-nc-sa-3.0': no PPSR license for this value"]


async def test_observer_counts_become_project_statistics(inat):
    """Three observers with 3, 1 and 1 observations (read over two pages): 5 observations, 3 volunteers."""
    make, _ = inat
    connector = make()
    models = models_of(connector, await collect(connector))
    stats = models[mint_iri("statistics", "inaturalist", "8291/cumulative")]
    assert isinstance(stats, ContributionStatistics)
    assert (stats.observation_count, stats.active_volunteer_count) == (5, 3)
    assert stats.project == mint_iri("project", "inaturalist", 8291)
    assert mint_iri("statistics", "inaturalist", "8527/cumulative") not in models
    assert "observer_two" not in stats.to_jsonld_bytes().decode()


async def test_walks_by_id_above_then_asks_only_for_what_changed(inat):
    """The first sync pages by id_above (200 max, ordered by id); the next asks updated_since the walk's start."""
    make, replay = inat
    first = await collect(make())
    walked = [r.path_qs for r in replay.requests if r.path == "/v1/observations" and "project_id=8291" in r.path_qs]
    assert all("order_by=id" in q and "order=asc" in q and "per_page=2" in q for q in walked)
    assert [q.split("id_above=")[1].split("&")[0] for q in walked] == ["0", "57760001", "57800003", "57810004"]
    assert not any("updated_since" in q for q in walked)
    mark = replay.mark()
    second = await collect(make(clock=datetime(2020, 9, 10, tzinfo=UTC)), first[-1].cursor)
    asked = [r.path_qs for r in replay.since(mark) if r.path == "/v1/observations"]
    assert all("updated_since=2020-09-04T00:00:00%2B00:00" in q for q in asked)
    changed = sorted(r.native_id for b in second for r in b.records if r.kind == "observation")
    assert changed == ["57800003", "57810004"]


def test_pace_and_page_size_follow_the_api_guide():
    """About one request per second, one at a time, and never more than 200 per page."""
    config = INaturalistConfig(project_ids=[1])
    assert (config.requests_per_second, config.max_concurrency, config.page_size) == (1.0, 1, 200)
    with pytest.raises(ValueError, match="less than or equal to 200"):
        INaturalistConfig(project_ids=[1], page_size=201)


@pytest.mark.parametrize(("lat", "lon"), [(48.8614227, -122.3529618), (-33.9, 151.2), (0.05, -0.05)])
def test_generalise_keeps_the_point_in_its_cell(lat, lon):
    """The published centre is within half a cell of the public point in each axis."""
    centre_lat, centre_lon, radius = generalise(lat, lon)
    assert abs(centre_lat - lat) <= 0.1 + 1e-9
    assert abs(centre_lon - lon) <= 0.1 + 1e-9
    assert 11_000 < radius < 16_000
