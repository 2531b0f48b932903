"""run_sync against a real broker: only changes travel, deletions, dead letters, the cursor in the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiokafka.partitioner import DefaultPartitioner

from hub.config import HubSettings, StreamSettings
from hub.connectors import Batch, encode_cursor
from hub.errors import ConnectorError
from hub.stream.changes import read_topics
from hub.stream.confluent_producer import ConfluentTransactions, TransactionError
from hub.stream.consume import Message
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import run_sync
from hub.stream.publisher import OutgoingMessage
from hub.stream.state import CursorRecord, StateTable, StatusRecord
from hub.stream.topics import dlq_topic, entity_topic, internal_topic, raw_topic
from tests.stream.fakes import BASE, FakeConnector, http_client, row

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(unique_name: str) -> HubSettings:
    return HubSettings(stream=StreamSettings(topic_prefix=unique_name))


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with aiohttp.ClientSession() as session:
        yield FakeConnector([row(i) for i in range(1, 251)], http=http_client(session), page_size=100)


def _types(messages: list[Message]) -> list[tuple[str, str | None]]:
    return [(m.key_text, m.header("ce_type")) for m in messages]


async def test_sync_change_delete_and_dead_letter(
    kafka: KafkaClients, settings: HubSettings, connector: FakeConnector
) -> None:
    """First sync publishes all; a change gives one upsert; a removal one deleted event and one tombstone."""
    projects = entity_topic(settings, "projects")
    first = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (first.fetched, first.published, first.unchanged, first.deleted, first.dead_lettered) == (250, 250, 0, 0, 0)
    assert first.batches == 3
    after_first = await read_topics(kafka, [projects])
    assert sorted(m.key_text for m in after_first) == sorted(BASE + str(i) for i in range(1, 251))
    assert len(await read_topics(kafka, [raw_topic(settings, "fake")])) == 250

    second = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (second.published, second.unchanged, second.deleted) == (0, 250, 0)
    assert len(await read_topics(kafka, [projects])) == 250

    connector.rows[41] = row(42, "A new title")
    del connector.rows[9]  # project 10 disappears from the platform
    third = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (third.fetched, third.published, third.unchanged, third.deleted) == (249, 1, 248, 1)
    new = (await read_topics(kafka, [projects]))[250:]
    assert _types(new) == [
        (BASE + "42", "org.citsci.hub.project.upserted"),
        (BASE + "10", "org.citsci.hub.project.deleted"),
        (BASE + "10", "org.citsci.hub.project.deleted"),
    ]
    assert new[0].value is not None
    assert b"A new title" in new[0].value
    assert new[1].value is not None
    assert new[2].value is None
    raw = await read_topics(kafka, [raw_topic(settings, "fake")])
    assert [(m.key_text, m.value is None) for m in raw[250:]] == [("project:42", False), ("project:10", True)]

    async with StateTable(kafka, internal_topic(settings, "cursors"), CursorRecord) as cursors:
        cursor = cursors.get("fake-1")
        assert cursor is not None
        assert cursor.cursor is None  # a complete snapshot starts over next time
        assert cursor.batches == 9
        assert cursor.records == 250 + 250 + 249
        assert cursor.sweep_seen == []
    # run_sync writes no status (the scheduler owns it): what it did is in the summary it returns.
    assert (third.deleted, third.published) == (1, 1)
    async with StateTable(kafka, internal_topic(settings, "status"), StatusRecord) as status:
        assert status.get("fake-1") is None


async def test_malformed_record_goes_to_the_dlq_and_the_batch_is_published(
    kafka: KafkaClients, settings: HubSettings, connector: FakeConnector
) -> None:
    """One broken record is dead-lettered with its reason; the other 249 records of the sync are published."""
    connector.rows[120] = row(121, broken=True)
    summary = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (summary.published, summary.dead_lettered) == (249, 1)
    dead = await read_topics(kafka, [dlq_topic(settings)])
    assert len(dead) == 1
    assert dead[0].key_text == "project:121"
    assert dead[0].header("ce_errorkind") == "mapping"
    assert dead[0].header("ce_connector") == "fake-1"
    message = dead[0].header("ce_errormessage")
    assert message is not None
    assert "title is missing" in message
    assert dead[0].value == b'{"id":"121","title":"Project 121","broken":true}'
    published = {m.key_text for m in await read_topics(kafka, [entity_topic(settings, "projects")])}
    assert len(published) == 249
    assert BASE + "121" not in published
    assert BASE + "122" in published

    # Still broken, same bytes: counted, not dead-lettered again. Broken differently: a new dead letter.
    again = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (again.published, again.dead_lettered) == (0, 1)
    connector.rows[120] = row(121, "Other", broken=True)
    other = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (other.published, other.dead_lettered) == (0, 1)
    dead = await read_topics(kafka, [dlq_topic(settings)])
    assert [m.key_text for m in dead] == ["project:121", "project:121"]
    assert dead[1].value == b'{"id":"121","title":"Other","broken":true}'

    # The record still exists on the platform, so the sweep keeps nothing it never had and deletes nothing.
    connector.rows[120] = row(121)
    fixed = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (fixed.published, fixed.deleted, fixed.dead_lettered) == (1, 0, 0)


class _FailingAfter(FakeConnector):
    """Fails after ``pages`` pages, as a platform that goes away in the middle of a sync."""

    def __init__(self, *args: Any, pages: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages = pages

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        served = 0
        async for batch in super().fetch(cursor):
            if served == self.pages:
                raise ConnectorError("the platform went away", connector="fake")
            served += 1
            yield batch


async def test_small_pages_merge_into_transactions_and_a_failure_keeps_what_was_fetched(
    kafka: KafkaClients, unique_name: str
) -> None:
    """records_per_transaction merges pages (never splitting one); a failed fetch commits the pages before it."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name, records_per_transaction=200))
    cursors = internal_topic(settings, "cursors")
    async with aiohttp.ClientSession() as session:
        rows = [row(i) for i in range(1, 251)]
        merged = await run_sync(
            "fake-m", FakeConnector(rows, http=http_client(session), page_size=60), kafka=kafka, settings=settings
        )
        # Pages of 60: 240 records (4 pages) in the first transaction, the last 10 with the sweep in the second.
        assert (merged.fetched, merged.published, merged.batches) == (250, 250, 2)
        async with StateTable(kafka, cursors, CursorRecord) as table:
            state = table.get("fake-m")
        assert state is not None
        assert (state.cursor, state.batches, state.records) == (None, 2, 250)

        failing = _FailingAfter(rows, http=http_client(session), page_size=60, pages=2)
        with pytest.raises(ConnectorError, match="went away"):
            await run_sync("fake-f", failing, kafka=kafka, settings=settings)
        async with StateTable(kafka, cursors, CursorRecord) as table:
            state = table.get("fake-f")
        assert state is not None
        assert (state.batches, state.records, state.cursor) == (1, 120, encode_cursor({"offset": 120}))


async def test_the_confluent_producer_partitions_like_aiokafka_commits_and_fences(
    kafka: KafkaClients, unique_name: str
) -> None:
    """HUB_STREAM__PRODUCER=confluent: the same sync, keys on aiokafka's partitions; a newer producer fences."""
    stream = StreamSettings(topic_prefix=unique_name, partitions=3, producer="confluent")
    settings = HubSettings(stream=stream)
    async with aiohttp.ClientSession() as session:
        connector = FakeConnector([row(i) for i in range(1, 251)], http=http_client(session), page_size=100)
        first = await run_sync("fake-c", connector, kafka=kafka, settings=settings)
        assert (first.fetched, first.published, first.batches) == (250, 250, 3)
        second = await run_sync("fake-c", connector, kafka=kafka, settings=settings)
        assert (second.published, second.unchanged) == (0, 250)
    messages = await read_topics(kafka, [entity_topic(settings, "projects")])
    assert len(messages) == 250
    partitioner = DefaultPartitioner()
    assert {m.partition for m in messages} == {0, 1, 2}
    assert all(m.partition == partitioner(m.key, [0, 1, 2], [0, 1, 2]) for m in messages)

    def transactions() -> ConfluentTransactions:
        return ConfluentTransactions(kafka, f"{unique_name}.fence", linger_ms=0, max_batch_size=16384, timeout_s=30)

    older, newer = transactions(), transactions()
    await older.start()
    await newer.start()
    message = OutgoingMessage(entity_topic(settings, "projects"), b"k", b"{}")
    # librdkafka reports the fencing as FENCED, or (when it meets it inside a callback) as a bare failure.
    with pytest.raises(TransactionError, match=r"FENCED|confluent-kafka failed") as fenced:
        await older.transaction([message], None, None)
    assert fenced.value.retriable  # a fresh producer (which the publisher makes) would fence the newer one back
    written = await newer.transaction([message], None, None)
    assert len(written) == 1  # the one partition the key went to, with the offset after it
    after = await read_topics(kafka, [entity_topic(settings, "projects")], written=written)
    assert [m.key for m in after if m.key == b"k"] == [b"k"]  # the fenced producer's message never committed
    await older.stop()
    await newer.stop()
