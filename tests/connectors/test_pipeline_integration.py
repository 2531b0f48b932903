"""The Zooniverse and SciStarter connectors through the real sync pipeline and a real Apache Kafka broker."""

from __future__ import annotations

from typing import Any

import pytest

from hub.config import HubSettings, StreamSettings
from hub.connectors.scistarter import SciStarterConfig, SciStarterConnector
from hub.connectors.zooniverse_export import ZooniverseExportConfig, ZooniverseExportConnector
from hub.stream.changes import read_topics
from hub.stream.pipeline import run_sync
from hub.stream.topics import entity_topic
from tests.connectors import replay_scistarter
from tests.connectors.helpers import FAST, PSEUDONYMISER, served
from tests.connectors.replay_scistarter import scistarter_app
from tests.connectors.replay_zooniverse import zooniverse_app

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(unique_name: str) -> HubSettings:
    return HubSettings(stream=StreamSettings(topic_prefix=unique_name))


def _without(count: int) -> dict[str, Any]:
    entities = replay_scistarter.FINDER["entities"]
    return {**replay_scistarter.FINDER, "entities": entities[: len(entities) - count]}


async def test_scistarter_snapshot_sync_unchanged_resync_sweep_and_refusal(
    kafka, settings, aiohttp_server, monkeypatch
):
    """Publish all; an unchanged resync publishes nothing; one removal is swept; a mass removal is refused."""
    async with served(aiohttp_server, scistarter_app) as (replay, root, http, _waits):
        connector = SciStarterConnector(SciStarterConfig(base_url=root, **FAST), http=http)
        first = await run_sync("scistarter-it", connector, kafka=kafka, settings=settings)
        assert (first.fetched, first.published, first.dead_lettered) == (7, 7, 0)

        mark = replay.mark()
        second = await run_sync("scistarter-it", connector, kafka=kafka, settings=settings)
        assert (second.fetched, second.published, second.deleted) == (0, 0, 0)
        assert all(r.conditional for r in replay.since(mark))

        monkeypatch.setattr(replay_scistarter, "FINDER", _without(1))
        third = await run_sync("scistarter-it", connector, kafka=kafka, settings=settings)
        assert third.sweep_refused is None, third.sweep_refused
        assert third.deleted == 1

        monkeypatch.setattr(replay_scistarter, "FINDER", _without(5))
        fourth = await run_sync("scistarter-it", connector, kafka=kafka, settings=settings)
        assert fourth.deleted == 0
        assert fourth.sweep_refused is not None
        assert "sweep refused" in fourth.sweep_refused
    projects = await read_topics(kafka, [entity_topic(settings, "projects")])
    assert len({m.key_text for m in projects}) == 6


@pytest.mark.parametrize("map_workers", [0, 1], ids=["mapped-in-sync", "mapped-in-workers"])
async def test_zooniverse_export_publishes_contributions_and_dead_letters_the_bad_row(
    kafka, settings, aiohttp_server, map_workers
):
    """Four rows become four contributions; in the malformed export one row is dead-lettered, the rest go on.

    The same with the rows mapped by worker processes (``HUB_STREAM__MAP_WORKERS``).
    """
    settings = settings.model_copy(update={"stream": settings.stream.model_copy(update={"map_workers": map_workers})})
    async with served(aiohttp_server, zooniverse_app) as (replay, root, http, _waits):
        config = ZooniverseExportConfig(
            base_url=root + "exports/classifications.csv", project_id="1315", page_size=2, **FAST
        )
        connector = ZooniverseExportConnector(config, http=http, pseudonymiser=PSEUDONYMISER)
        first = await run_sync("zoo-export-it", connector, kafka=kafka, settings=settings)
        assert (first.fetched, first.published, first.dead_lettered) == (4, 4, 0)
        again = await run_sync("zoo-export-it", connector, kafka=kafka, settings=settings)
        assert (again.fetched, again.published) == (0, 0)

        replay.malformed = True
        other = ZooniverseExportConnector(config, http=http, pseudonymiser=PSEUDONYMISER)
        bad = await run_sync("zoo-export-bad-it", other, kafka=kafka, settings=settings)
        assert (bad.fetched, bad.dead_lettered) == (5, 1)
    contributions = await read_topics(kafka, [entity_topic(settings, "contributions")])
    assert contributions
    assert all(b"volunteer-" not in (m.value or b"") for m in contributions)
