"""The matcher's links and operators' decisions on a real broker: published once, withdrawn when rejected, and a
rejected link stays rejected through later matcher runs; decisions also work through the HTTP routes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.config import DumpSettings, HubSettings, StreamSettings
from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.http import routes, setup
from hub.dump.links import LinkService, decisions_topic, decisions_topic_spec, match_and_publish, read_table
from hub.dump.matcher import run_matcher
from hub.dump.store import Change, HubStore
from hub.schema import Link, Project
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, entity_topic, hub_topics
from tests.dump.records import project

pytestmark = pytest.mark.integration

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


def _store(records: list[Project]) -> HubStore:
    store = HubStore(None)
    changes = []
    for record, result in zip(records, expand_records([r.to_jsonld_bytes() for r in records]), strict=True):
        assert isinstance(result, ExpandedRecord)
        changes.append(Change("t.projects.v1", record.iri, result.iri, result.quads))
    store.apply(changes, {("t.projects.v1", 0): len(records)})
    return store


def _listings() -> list[Project]:
    return [
        project("zooniverse", "1", "Penguin Watch", same_as=["https://www.zooniverse.org/projects/penguinwatch"]),
        project("scistarter", "g-1", "Penguin Watch", url="https://www.zooniverse.org/projects/penguinwatch"),
        project("eu-citizen-science", "5", "Lichen Survey", url="https://lichens.example.org/survey"),
        project("scistarter", "g-2", "The Lichen Survey", url="http://lichens.example.org/survey/"),
    ]


async def test_rejected_links_stay_rejected_and_confirmed_ones_stay_confirmed(
    kafka: KafkaClients, unique_name: str, aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    """Matcher runs publish only changes; a rejection withdraws the link for good; a confirmation sticks."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name), dump=DumpSettings(output_dir=tmp_path))
    await ensure_topics(kafka, [*hub_topics(settings.stream), decisions_topic_spec(settings)], settings.stream)
    links_topic = entity_topic(settings, "links")
    store = _store(_listings())
    async with LinkService(settings, kafka, transactional_id=f"{unique_name}-matcher") as service:
        first = await match_and_publish(store, service)
        assert (first.published, first.unchanged, first.withdrawn) == (2, 0, 0)
        published = {
            iri: Link.from_jsonld(orjson.loads(v)) for iri, v in (await read_table(kafka, links_topic)).items()
        }
        assert len(published) == 2
        by_name = {
            tuple(sorted((link.subject.rsplit("/", 2)[1], link.object.rsplit("/", 2)[1]))): link
            for link in published.values()
        }
        penguin = by_name[("scistarter", "zooniverse")]
        lichen = by_name[("eu-citizen-science", "scistarter")]
        assert penguin.method == "hub.dump.matching/1"
        assert any("points at zooniverse's page" in e for e in penguin.evidence)

        # A second run with nothing new publishes nothing.
        again = await match_and_publish(store, service)
        assert (again.published, again.unchanged, again.withdrawn) == (0, 2, 0)

        # Decisions through the HTTP routes the API mounts.
        app = web.Application()
        setup(app, settings, store=store, link_decider=service.decide)
        app.add_routes(routes)
        client = await aiohttp_client(app)
        rejected = await client.post(
            f"/links/{penguin.iri.rsplit('/', 1)[1]}/reject", json={"note": "different projects"}
        )
        assert rejected.status == 200
        assert (await rejected.json())["decision"] == "rejected"
        confirmed = await client.post(f"/links/{lichen.iri.rsplit('/', 1)[1]}/confirm")
        assert confirmed.status == 200
        unknown = await client.post("/links/0123456789abcdef/confirm")
        assert unknown.status == 404
        assert "no link" in (await unknown.json())["detail"]

        table = await read_table(kafka, links_topic)
        assert penguin.iri not in table
        confirmed_link = Link.from_jsonld(orjson.loads(table[lichen.iri]))
        assert confirmed_link.score == 1.0
        assert confirmed_link.evidence[-1] == "confirmed by an operator"
        decisions = await read_table(kafka, decisions_topic(settings))
        assert orjson.loads(decisions[penguin.iri])["note"] == "different projects"

        # Later runs neither bring the rejected link back nor overwrite the confirmation.
        later = await match_and_publish(store, service)
        assert (later.published, later.kept_rejected, later.withdrawn) == (0, 1, 0)
        table = await read_table(kafka, links_topic)
        assert set(table) == {lichen.iri}
        assert Link.from_jsonld(orjson.loads(table[lichen.iri])).score == 1.0

        # A rejected and withdrawn link cannot be confirmed any more.
        late = await client.post(f"/links/{penguin.iri.rsplit('/', 1)[1]}/confirm")
        assert late.status == 404
        assert "was rejected" in (await late.json())["detail"]


async def test_links_no_longer_proposed_are_withdrawn(kafka: KafkaClients, unique_name: str) -> None:
    """When the evidence for a link goes away, the matcher withdraws its own link with a tombstone."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    await ensure_topics(kafka, [*hub_topics(settings.stream), decisions_topic_spec(settings)], settings.stream)
    async with LinkService(settings, kafka, transactional_id=f"{unique_name}-matcher") as service:
        assert (await match_and_publish(_store(_listings()), service)).published == 2
        renamed = [*_listings()[:3], project("scistarter", "g-2", "Moss Count", url="https://moss.example.org/")]
        report = await match_and_publish(_store(renamed), service)
        assert (report.published, report.unchanged, report.withdrawn) == (0, 1, 1)
        assert len(await read_table(kafka, entity_topic(settings, "links"))) == 1


async def test_the_matcher_role_matches_at_start_and_again_soon_after_projects_change(
    kafka: KafkaClients, unique_name: str
) -> None:
    """The role hub up runs: a first pass at once, then, woken by the materialiser, a pass over the new projects."""
    settings = HubSettings(
        stream=StreamSettings(topic_prefix=unique_name), dump=DumpSettings(match_interval_s=3600, match_debounce_s=0.1)
    )
    await ensure_topics(kafka, [*hub_topics(settings.stream), decisions_topic_spec(settings)], settings.stream)
    links_topic = entity_topic(settings, "links")
    listings = _listings()
    store = _store(listings[:2])
    stop, wake = asyncio.Event(), asyncio.Event()
    role = asyncio.create_task(run_matcher(settings, kafka, store, stop, wake=wake))
    try:
        async with asyncio.timeout(60):
            # Polling the topic the role writes to (another task's Kafka writes have no event); the timeout bounds it.
            while len(await read_table(kafka, links_topic)) < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            # New projects arrive (the materialiser applied them) and the role is woken: the second pair is linked
            # long before the hour-long interval.
            new = listings[2:]
            for record, result in zip(new, expand_records([r.to_jsonld_bytes() for r in new]), strict=True):
                assert isinstance(result, ExpandedRecord)
                store.apply([Change("t.projects.v1", record.iri, result.iri, result.quads)], {("t.projects.v1", 0): 4})
            wake.set()
            while len(await read_table(kafka, links_topic)) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await role
