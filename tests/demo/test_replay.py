"""The demo's replay answers each demo connector as its platform did: every one syncs projects from it."""

from __future__ import annotations

from typing import Any

import pytest

from hub.connectors.registry import load_connector_types
from hub.demo.replay import DEMO_CONNECTORS, DemoConnector, replay_app
from hub.errors import SkippableRecordError
from hub.schema import HubModel
from hub.schema.iris import parse_iri
from tests.connectors.portal_replay import collect, http_client


@pytest.mark.parametrize("demo", DEMO_CONNECTORS, ids=lambda d: d.name)
async def test_each_demo_connector_syncs_projects_from_the_replay(aiohttp_server: Any, demo: DemoConnector) -> None:
    """A full sync against the replay maps to projects of the connector's platform."""
    server = await aiohttp_server(replay_app())
    root = str(server.make_url("")).rstrip("/")
    cls = load_connector_types()[demo.type]
    config = cls.config_model.model_validate(demo.body(root)["config"] | {"backoff_base_s": 0})
    async with http_client() as http:
        connector = cls(config, http=http)
        batches = await collect(connector)
    models: list[HubModel] = []
    for record in (r for batch in batches for r in batch.records):
        try:
            models.extend(connector.map(record))
        except SkippableRecordError:
            continue  # dead-lettered in a real sync, as the recording's nameless record is
    projects = [m for m in models if m.ENTITY == "projects"]
    assert len(projects) >= 3, demo.name
    assert {parse_iri(p.iri)[1] for p in projects} == {demo.platform}
    assert batches[-1].snapshot_complete or cls.sync_mode == "incremental"


def test_the_demo_covers_five_platforms_or_more() -> None:
    """At least five platforms, each a different connector type."""
    assert len({d.platform for d in DEMO_CONNECTORS}) >= 5
    assert len({d.type for d in DEMO_CONNECTORS}) == len(DEMO_CONNECTORS)
