"""SciStarter finder and Science Near Me against their replays: PPSR mapping, snapshots, 304s and sweeps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.connectors import plan_sweep
from hub.connectors._portal import FlaggedProject
from hub.connectors.scistarter import (
    ScienceNearMeConfig,
    ScienceNearMeConnector,
    SciStarterConfig,
    SciStarterConnector,
    epoch_ms,
)
from hub.schema.iris import mint_iri
from tests.connectors import replay_scistarter
from tests.connectors.helpers import FAST, mapped, records, served, sync
from tests.connectors.replay_scistarter import scistarter_app

TIME_TO_RESTORE = "9b873aa0-0c23-53d5-95ae-c12902e8cae7"


def finder(root: str, http: Any) -> SciStarterConnector:
    return SciStarterConnector(SciStarterConfig(base_url=root, **FAST), http=http)


def project(models: dict[str, Any], platform: str, native_id: str) -> FlaggedProject:
    model = models[mint_iri("project", platform, native_id)]
    assert isinstance(model, FlaggedProject)
    return model


async def test_finder_project_maps_as_the_standard_shows(aiohttp_server):
    """Time to Restore: pin swapped from [lon, lat], ms to ISO UTC, planned end, Medium, science types, regions."""
    async with served(aiohttp_server, scistarter_app) as (_replay, root, http, _waits):
        sci = finder(root, http)
        models = mapped(sci, await sync(sci))
    p = project(models, "scistarter", TIME_TO_RESTORE)
    assert p.project_id == TIME_TO_RESTORE
    assert p.project_status == "Active"
    assert p.difficulty_level == "Medium"
    assert p.project_start_date == datetime(2022, 6, 23, 7, 0, tzinfo=UTC)
    assert p.project_planned_end_date == datetime(2025, 12, 31, 7, 0, tzinfo=UTC)
    assert p.project_end_date is None
    assert p.project_science_type == [
        "Biological Sciences - Ecology",
        "Biological Sciences - Other Biological Sciences",
    ]
    [where] = p.project_geographic_location
    assert (where.project_pin_latitude, where.project_pin_longitude) == (31.90111986552033, -99.23453852487283)
    assert where.project_geographic_coverage is not None
    assert where.project_geographic_coverage["type"] == "MultiPolygon"
    assert p.same_as[0].startswith("https://scistarter.org/time-to-restore")
    assert p.project_external_id == ["scistarter:6984"]
    assert p.data_quality_flag == []


async def test_finder_quirks_become_flags_not_failures(aiohttp_server):
    """An unknown field of science and a regions string that does not parse are flagged; `{}` is no science."""
    async with served(aiohttp_server, scistarter_app) as (_replay, root, http, _waits):
        sci = finder(root, http)
        models = mapped(sci, await sync(sci))
    completed = project(models, "scistarter", "87b1e5c5-5023-5b85-b747-d3ae67b34e32")
    assert completed.project_status == "Completed"
    assert completed.project_end_date == datetime(2023, 7, 5, 4, 0, tzinfo=UTC)
    assert completed.project_planned_end_date is None
    assert completed.project_science_type == ["Biological Sciences - Ecology"]
    assert completed.data_quality_flag == [
        "fields_of_science='Underwater Basket Weaving': no PPSR projectScienceType for this value"
    ]
    broken = project(models, "scistarter", "6ca9c53c-1d6c-404c-985a-9c7b6aad41c1")
    assert broken.data_quality_flag[0].startswith("regions=")
    assert broken.data_quality_flag[0].endswith("GeoJSON string does not parse")
    assert broken.project_geographic_location[0].project_pin_longitude == -70.81408277943902
    buggy = project(models, "scistarter", "9c659748-33f3-4857-9ed0-ebab41db1fc4")
    assert buggy.project_science_type == []
    assert buggy.data_quality_flag == []


async def test_snapshot_ends_complete_and_an_unchanged_one_yields_nothing(aiohttp_server):
    """The first sync ends with snapshot_complete; a second of unchanged data makes 304s only and no batch."""
    async with served(aiohttp_server, scistarter_app) as (replay, root, http, _waits):
        sci = finder(root, http)
        first = await sync(sci)
        mark = replay.mark()
        second = await sync(sci, first[-1].cursor)
        made = replay.since(mark)
    assert first[-1].snapshot_complete
    assert len(records(first, "project")) == 6
    assert second == []
    assert [r.path_qs.split("page=")[1] for r in made] == ["1", "2", "3"]
    assert all(r.conditional for r in made)


async def test_a_change_on_one_page_rereads_the_others_for_the_sweep(aiohttp_server, monkeypatch):
    """When only page 2 changed, page 1 (304) is read again so the complete snapshot sees every project."""
    async with served(aiohttp_server, scistarter_app) as (_replay, root, http, _waits):
        sci = finder(root, http)
        first = await sync(sci)
        entities = [dict(e) for e in replay_scistarter.FINDER["entities"]]
        entities[4] = {**entities[4], "name": "Peace Boat US (renamed)"}
        monkeypatch.setattr(replay_scistarter, "FINDER", {**replay_scistarter.FINDER, "entities": entities})
        second = await sync(sci, first[-1].cursor)
    assert second[-1].snapshot_complete
    seen = {r.native_id for r in records(second, "project")}
    assert seen == {r.native_id for r in records(first, "project")}
    assert plan_sweep(seen, seen, max_share=0.2) == set()


def test_epoch_ms():
    """SciStarter's float milliseconds become aware UTC; zero, None and booleans are no date."""
    assert epoch_ms(1684865281454.314) == datetime(2023, 5, 23, 18, 8, 1, 454314, tzinfo=UTC)
    assert epoch_ms(0) is None
    assert epoch_ms(None) is None
    assert epoch_ms(True) is None


async def test_science_near_me_opportunities(aiohttp_server):
    """Opportunities map to projects: [lon, lat] point, topics via the table, past events Completed."""
    async with served(aiohttp_server, scistarter_app) as (_replay, root, http, _waits):
        config = ScienceNearMeConfig(base_url=root + "api/v1/", page_size=2, **FAST)
        snm = ScienceNearMeConnector(config, http=http, clock=lambda: datetime(2024, 1, 1, tzinfo=UTC))
        batches = await sync(snm)
        models = mapped(snm, batches)
    assert batches[-1].snapshot_complete
    assert len(records(batches, "project")) == 5
    aim = project(models, "sciencenearme", next(r.native_id for r in records(batches) if "AIM" in str(r.payload)))
    assert aim.project_science_type == ["Physical Sciences - Astronomical And Space Sciences"]
    assert aim.project_status == "Completed"
    first = project(models, "sciencenearme", "709658fa-6c77-5413-a022-f16f197ea19e")
    [where] = first.project_geographic_location
    assert (where.project_pin_latitude, where.project_pin_longitude) == (39.52146530151367, -119.80936431884766)
    assert where.project_geographic_coverage is None
    assert first.project_end_date == datetime(2023, 4, 20, 3, 0, tzinfo=UTC)
    assert first.language == "en"
    assert first.project_url == "https://nvdm.org/event/5-admission-after-4pm-2022-12-28/2023-04-19/"


async def test_truncated_and_unparseable_finder_pages_are_read_again(aiohttp_server):
    """A finder page cut short, then one that is not JSON, are both retried; the snapshot is still complete."""
    async with served(aiohttp_server, scistarter_app) as (replay, root, http, waits):
        replay.fail("/finder", None, "truncated", "badjson")
        batches = await sync(finder(root, http))
    assert len(waits.seconds) == 2
    assert batches[-1].snapshot_complete
    assert len(records(batches, "project")) == 6


async def test_api_key_is_sent_but_never_stored(aiohttp_server):
    """The SciStarter key goes out with every request and appears in no record, cursor or source URL."""
    async with served(aiohttp_server, scistarter_app) as (replay, root, http, _waits):
        config = SciStarterConfig(base_url=root, api_key="k-123-secret", **FAST)
        batches = await sync(SciStarterConnector(config, http=http))
        sent = [r.path_qs for r in replay.requests]
    assert sent
    assert all("key=k-123-secret" in qs for qs in sent)
    stored = [b.cursor or "" for b in batches] + [r.source_url for r in records(batches)]
    assert not [s for s in stored if "k-123-secret" in s]
