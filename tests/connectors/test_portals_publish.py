"""A sync of each replayed portal publishes valid records on a real Kafka broker (integration).

Each national-portal connector runs end to end (``hub.stream.pipeline.run_sync``) against its conformance replay:
every published document must validate as a hub record, nothing may be dead-lettered, and the raw topic is the
platform's own (for the declarative and PPSR-feed connectors, the one their config names).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

import tests.connectors.scenario_portals  # noqa: F401 - registers the scenarios
from hub.config import HubSettings, StreamSettings
from hub.connectors import HttpClient, build_connector
from hub.schema.anonymise import Pseudonymiser
from hub.schema.validation import validate_bytes
from hub.stream.changes import read_topics
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import run_sync
from hub.stream.topics import ENTITY_TYPES, entity_topic, raw_topic
from tests.connectors.conformance import SCENARIOS
from tests.connectors.replay import Replay

pytestmark = pytest.mark.integration

PORTALS = {
    # connector type: (raw topic platform, entity topics that must receive records)
    "eu-citizen-science": ("eu-citizen-science", {"projects", "organisations"}),
    "citizenscience-gov": ("citizenscience-gov", {"projects"}),
    "ppsr-feed": ("jrc-inventory", {"projects"}),
    "declarative": ("iesaisties-lv", {"projects"}),
    "inaturalist": ("inaturalist", {"projects", "contributions", "statistics"}),
    "biocollect": ("biocollect", {"projects", "contributions"}),
    "fromthepage": ("fromthepage", {"projects", "contributions", "statistics"}),
}


async def _no_sleep(_s: float) -> None:
    return None


@pytest.mark.parametrize("connector_type", sorted(PORTALS))
async def test_a_sync_publishes_valid_records(
    connector_type: str, aiohttp_server: Any, kafka: KafkaClients, unique_name: str
) -> None:
    """Every record of the replayed platform is published once, validates, and none is dead-lettered."""
    scenario = SCENARIOS[connector_type]
    platform, expected_topics = PORTALS[connector_type]
    server = await aiohttp_server(scenario.make_app(Replay()))
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    pseudonymiser = Pseudonymiser(SecretStr("portal-publish-test-secret-0123456789"))
    async with aiohttp.ClientSession() as session:
        connector = build_connector(
            connector_type,
            dict(scenario.config(str(server.make_url("/")))),
            http=HttpClient(session, sleep=_no_sleep),
            pseudonymiser=pseudonymiser,
        )
        summary = await run_sync(connector_type, connector, kafka=kafka, settings=settings)
    assert summary.dead_lettered == 0
    assert summary.published > 0

    entity_topics = [entity_topic(settings, entity) for entity in ENTITY_TYPES]
    messages = await read_topics(kafka, entity_topics, written=summary.written)
    per_topic = Counter(m.topic.split(".")[-2] for m in messages)
    assert set(per_topic) >= expected_topics, per_topic
    assert sum(per_topic.values()) == summary.published
    for message in messages:
        assert message.value is not None
        report = validate_bytes(message.value)
        statuses = {record.status for record in report.records}
        assert statuses <= {"complete", "partial"}, (message.key_text, report.records)
    raw = await read_topics(kafka, [raw_topic(settings, platform)], written=summary.written)
    assert len(raw) == summary.fetched
