"""Batch plans: only changes travel, failures become dead letters, deletions are an event and a tombstone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from hub.config import StreamSettings
from hub.connectors import RawRecord
from hub.stream.changes import HashIndex, RawIndex
from hub.stream.envelope import CloudEvent, header_map
from hub.stream.normalise import MAX_VALUE_BYTES, Normaliser
from hub.stream.publisher import OutgoingMessage
from tests.stream.fakes import BASE, FakeConnector, http_client, row

SETTINGS = StreamSettings(topic_prefix="u")


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with aiohttp.ClientSession() as session:
        yield FakeConnector([], http=http_client(session))


def _normaliser(connector: FakeConnector, index: HashIndex, raw: RawIndex) -> Normaliser[RawRecord]:
    return Normaliser(
        SETTINGS,
        connector="fake-1",
        source="/connectors/fake-1",
        map_record=connector.map,
        index=index,
        raw_index=raw,
        dataschema="ctx-v1",
    )


def _topics(messages: list[OutgoingMessage]) -> list[str]:
    return [m.topic for m in messages]


async def test_new_then_unchanged_then_changed(connector: FakeConnector) -> None:
    """A new record is published with its raw record; the same again is not; a changed one is, once."""
    index, raw = HashIndex(), RawIndex()
    normaliser = _normaliser(connector, index, raw)
    connector.rows = [row(1), row(2)]
    records = [r async for batch in connector.fetch(None) for r in batch.records]

    first = normaliser.plan(records)
    assert _topics(first.messages) == ["u.raw.fake.v1", "u.projects.v1", "u.raw.fake.v1", "u.projects.v1"]
    assert (first.fetched, first.published, first.unchanged, first.dead_lettered) == (2, 2, 0, 0)
    upsert = first.messages[1]
    assert upsert.key == (BASE + "1").encode()
    event = CloudEvent.from_headers(upsert.headers)
    assert event.type == "org.citsci.hub.project.upserted"
    assert event.subject == BASE + "1"
    assert event.dataschema == "ctx-v1"
    assert event.extensions["rawkey"] == "project:1"
    assert event.extensions["contenthash"]
    first.commit_to(index, raw)

    again = normaliser.plan(records)
    assert again.messages == []
    assert (again.published, again.unchanged) == (0, 2)
    assert again.seen == {BASE + "1", BASE + "2"}

    connector.rows = [row(1), row(2, "Renamed")]
    changed = normaliser.plan([r async for batch in connector.fetch(None) for r in batch.records])
    assert _topics(changed.messages) == ["u.raw.fake.v1", "u.projects.v1"]
    assert changed.messages[1].key == (BASE + "2").encode()
    assert (changed.published, changed.unchanged) == (1, 1)


async def test_a_failing_record_is_dead_lettered_and_the_rest_published(connector: FakeConnector) -> None:
    """The bad record goes to the DLQ with connector, kind, message and source URL; the others go on."""
    index, raw = HashIndex(), RawIndex()
    connector.rows = [row(1), row(2, broken=True), row(3)]
    plan = _normaliser(connector, index, raw).plan([r async for b in connector.fetch(None) for r in b.records])
    assert (plan.published, plan.dead_lettered) == (2, 1)
    dead = [m for m in plan.messages if m.topic == "u.dlq.v1"]
    assert len(dead) == 1
    headers = header_map(dead[0].headers)
    assert headers["ce_connector"] == "fake-1"
    assert headers["ce_errorkind"] == "mapping"
    assert "title is missing" in headers["ce_errormessage"]
    assert headers["ce_sourceurl"].startswith("https://fake.invalid/api/projects")
    assert dead[0].key == b"project:2"
    assert dead[0].value == b'{"id":"2","title":"Project 2","broken":true}'
    assert plan.failed_raw_keys == {"project:2"}


async def test_deletion_is_an_event_then_a_tombstone_and_forgets_the_raw_record(connector: FakeConnector) -> None:
    """Deleting a live record writes a deleted event and a null value on its key, and a raw tombstone."""
    index, raw = HashIndex(), RawIndex()
    normaliser = _normaliser(connector, index, raw)
    connector.rows = [row(1)]
    created = normaliser.plan([r async for b in connector.fetch(None) for r in b.records])
    created.commit_to(index, raw)
    plan = normaliser.plan([])
    normaliser.plan_deletions(plan, {BASE + "1", BASE + "unknown"}, platform="fake")
    assert plan.deleted == 1
    event, tombstone, raw_tombstone = plan.messages
    assert (event.topic, event.key) == ("u.projects.v1", (BASE + "1").encode())
    assert CloudEvent.from_headers(event.headers).type == "org.citsci.hub.project.deleted"
    assert event.value is not None
    assert (tombstone.key, tombstone.value) == (event.key, None)
    assert (raw_tombstone.topic, raw_tombstone.key, raw_tombstone.value) == ("u.raw.fake.v1", b"project:1", None)
    plan.commit_to(index, raw)
    assert index.get(BASE + "1") is None
    assert raw.hashes == {}


async def test_records_too_large_for_kafka_are_dead_lettered_not_published(connector: FakeConnector) -> None:
    """A normalised record over the message limit is a too_large dead letter; a huge verbatim one is not kept raw."""
    index, raw = HashIndex(), RawIndex()
    huge = "x" * (MAX_VALUE_BYTES + 10)
    connector.rows = [row(1, huge), row(2), row(3, notes=huge)]
    plan = _normaliser(connector, index, raw).plan([r async for b in connector.fetch(None) for r in b.records])
    dead = [header_map(m.headers) for m in plan.messages if m.topic == "u.dlq.v1"]
    # Record 1 is too large both verbatim and normalised: two failures, two dead letters.
    assert [(h["ce_nativeid"], h["ce_errorkind"]) for h in dead] == [("1", "too_large")] * 2 + [("3", "too_large")]
    assert dead[0]["ce_errormessage"].startswith("RecordTooLargeError: verbatim record of")
    assert dead[1]["ce_errormessage"].startswith("RecordTooLargeError: normalised record")
    assert dead[2]["ce_errormessage"].startswith("RecordTooLargeError: verbatim record of")
    assert all(len(m.value or b"") <= MAX_VALUE_BYTES for m in plan.messages)
    # Record 3's name is small: it is published, only its verbatim copy could not be kept.
    assert [m.key for m in plan.messages if m.topic == "u.projects.v1"] == [
        (BASE + "2").encode(),
        (BASE + "3").encode(),
    ]
    assert [m.key for m in plan.messages if m.topic == "u.raw.fake.v1"] == [b"project:2"]
    assert (plan.published, plan.dead_lettered) == (2, 1)
