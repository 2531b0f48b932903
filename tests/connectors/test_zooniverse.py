"""The zooniverse connector against a Panoptes replay: mapping, incremental sync, 429, conditional requests."""

from __future__ import annotations

from typing import Any

import pytest

from hub.connectors._parsing import parse_moment
from hub.connectors._portal import FlaggedProject
from hub.connectors.zooniverse import ZooniverseConfig, ZooniverseConnector
from hub.schema import Organisation, Platform
from hub.schema.iris import mint_iri, platform_iri
from tests.connectors import replay_zooniverse
from tests.connectors.helpers import FAST, mapped, records, served, sync
from tests.connectors.replay_zooniverse import zooniverse_app


def connector(root: str, http: Any, **extra: Any) -> ZooniverseConnector:
    config = ZooniverseConfig(base_url=root + "api/", page_size=2, **FAST, **extra)
    return ZooniverseConnector(config, http=http)


def project(models: dict[str, Any], native_id: str) -> FlaggedProject:
    model = models[mint_iri("project", "zooniverse", native_id)]
    assert isinstance(model, FlaggedProject)
    return model


async def test_projects_map_to_ppsr(aiohttp_server):
    """Panoptes states map to PPSR statuses; a legacy project without state is derived and flagged."""
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        zoo = connector(root, http)
        models = mapped(zoo, await sync(zoo))
    rubin = project(models, "11152")
    assert rubin.project_status == "Active"
    assert rubin.project_name == "Rubin Difference Detectives"
    assert rubin.project_url == "https://www.zooniverse.org/projects/ebellm/rubin-difference-detectives"
    assert rubin.responsible_party == mint_iri("organisation", "zooniverse", "53")
    assert rubin.hosted_on == [platform_iri("zooniverse")]
    assert rubin.project_last_updated_date == parse_moment("2025-12-11T01:48:26.466Z", zoned=True)
    assert rubin.project_media[0].project_media_file.startswith("https://panoptes-uploads.zooniverse.org/")
    assert project(models, "2001").project_status == "On hold"
    assert project(models, "1500").project_status == "Completed"
    legacy = project(models, "519")
    assert legacy.project_status == "Active"
    assert legacy.project_url == "http://seafloorexplorer.org"
    assert any(flag.startswith("state='active'") for flag in legacy.data_quality_flag)
    testing = project(models, "1400")
    assert testing.project_status is None
    assert "state='testing': no PPSR projectStatus for this value" in testing.data_quality_flag
    assert project(models, "405").language == "en"


async def test_organisations_platform_and_workflows(aiohttp_server):
    """Organisations map, the platform comes once on a first sync, workflows travel raw and map to nothing."""
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        zoo = connector(root, http)
        batches = await sync(zoo)
        models = mapped(zoo, batches)
        again = await sync(zoo, batches[-1].cursor)
    org = models[mint_iri("organisation", "zooniverse", "53")]
    assert isinstance(org, Organisation)
    assert org.name == "Planet Four"
    assert org.url == "https://www.zooniverse.org/organizations/mschwamb/planet-four"
    assert isinstance(models[platform_iri("zooniverse")], Platform)
    assert len(records(batches, "platform")) == 1
    assert records(again, "platform") == []
    workflows = records(batches, "workflow")
    assert {w.native_id for w in workflows} == {"30001", "30002", "30003", "981", "982"}
    assert all(zoo.map(w) == [] for w in workflows)


async def test_incremental_sync_reads_only_what_changed(aiohttp_server, monkeypatch):
    """After one project changes, the next sync yields only it and stops at the first unchanged project."""
    async with served(aiohttp_server, zooniverse_app) as (replay, root, http, _waits):
        zoo = connector(root, http, include_organisations=False)
        first = await sync(zoo)
        changed = [dict(p) for p in replay_zooniverse.PROJECTS]
        changed[3] = {**changed[3], "updated_at": "2026-02-01T00:00:00.000Z", "state": "finished"}
        monkeypatch.setattr(replay_zooniverse, "PROJECTS", changed)
        mark = replay.mark()
        second = await sync(zoo, first[-1].cursor)
        project_requests = [r.path_qs for r in replay.since(mark) if r.path == "/api/projects"]
    assert [r.native_id for r in records(second, "project")] == ["405"]
    assert [r.native_id for r in records(second, "workflow")] == ["981", "982"]
    # Page 1 (405 and 11152): 11152 is unchanged, so page 2 is never asked for.
    assert len(project_requests) == 1
    assert project(mapped(zoo, second), "405").project_status == "Completed"


async def test_429_with_retry_after_is_honoured(aiohttp_server):
    """A 429 on page 2 waits the Retry-After seconds, then the sync completes with every project."""
    async with served(aiohttp_server, zooniverse_app) as (replay, root, http, waits):
        replay.fail("/api/projects", None, "429")
        batches = await sync(connector(root, http))
    assert waits.seconds == [1.0]
    assert len(records(batches, "project")) == len(replay_zooniverse.PROJECTS)


async def test_unchanged_catalogue_costs_conditional_requests_only(aiohttp_server):
    """A second sync of unchanged data sends If-None-Match, gets 304s, parses nothing and yields nothing."""
    async with served(aiohttp_server, zooniverse_app) as (replay, root, http, _waits):
        zoo = connector(root, http)
        first = await sync(zoo)
        mark = replay.mark()
        second = await sync(zoo, first[-1].cursor)
        made = replay.since(mark)
    assert second == []
    assert [r.path for r in made] == ["/api/projects", "/api/organizations"]
    assert all(r.conditional for r in made)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2015-05-18T15:14:41.731Z", "2015-05-18T15:14:41.731000+00:00"),
        ("2025-01-21 16:08:41 UTC", "2025-01-21T16:08:41+00:00"),
        ("2025-01-21T16:08:41", None),
        ("soon", None),
    ],
)
def test_zoned_moments(text, iso):
    """Panoptes and export timestamps parse to aware UTC; naive or garbage ones give None."""
    parsed = parse_moment(text, zoned=True)
    assert (parsed.isoformat() if parsed else None) == iso


@pytest.mark.parametrize("fault", ["truncated", "badjson", "503"])
async def test_a_bad_page_mid_listing_is_read_again(aiohttp_server, fault):
    """A page cut short, one whose JSON does not parse, or a 503 on page 2 is retried; no project is lost."""
    async with served(aiohttp_server, zooniverse_app) as (replay, root, http, waits):
        replay.fail("/api/projects", None, fault)
        batches = await sync(connector(root, http))
        page_requests = [r for r in replay.requests if r.path == "/api/projects"]
    assert [r.fault for r in page_requests[:2]] == [None, fault]
    assert len(waits.seconds) == 1
    assert {r.native_id for r in records(batches, "project")} == {p["id"] for p in replay_zooniverse.PROJECTS}
