"""State tables and the transactional publisher against a real broker."""

from __future__ import annotations

import pytest

from hub.config import StreamSettings
from hub.stream.changes import read_topics
from hub.stream.kafka import KafkaClients
from hub.stream.publisher import OutgoingMessage, TransactionalPublisher
from hub.stream.state import ConnectorRecord, CursorRecord, PartnerSubscription, StateTable
from hub.stream.topics import ensure_topics, hub_topics, internal_topic

pytestmark = pytest.mark.integration


async def test_state_table_is_rebuilt_from_its_compacted_topic(kafka: KafkaClients, unique_name: str) -> None:
    """What one table writes, a table started later reads back; a tombstone removes the key."""
    settings = StreamSettings(topic_prefix=unique_name)
    await ensure_topics(kafka, hub_topics(settings), settings)
    topic = internal_topic(settings, "connectors")
    async with StateTable(kafka, topic, ConnectorRecord) as table:
        assert len(table) == 0
        await table.put("a", ConnectorRecord(name="a", type="zooniverse", config={"page_size": 10}))
        await table.put("b", ConnectorRecord(name="b", type="scistarter", paused=True))
        await table.put("a", ConnectorRecord(name="a", type="zooniverse", config={"page_size": 20}))
        await table.put("b", None)
        assert table.get("b") is None
    async with StateTable(kafka, topic, ConnectorRecord) as again:
        assert [key for key, _ in again.items()] == ["a"]
        record = again.get("a")
        assert record is not None
        assert record.config == {"page_size": 20}
        assert record.type == "zooniverse"


async def test_refresh_sees_what_another_writer_wrote(kafka: KafkaClients, unique_name: str) -> None:
    """A started table catches up with another writer's records on refresh()."""
    settings = StreamSettings(topic_prefix=unique_name)
    await ensure_topics(kafka, hub_topics(settings), settings)
    topic = internal_topic(settings, "partners")
    async with (
        StateTable(kafka, topic, PartnerSubscription) as reader,
        StateTable(kafka, topic, PartnerSubscription) as writer,
    ):
        sub = PartnerSubscription(partner="ecsa", name="bio", science_types=["Biology"])
        await writer.put(sub.key, sub)
        assert reader.get(sub.key) is None
        await reader.refresh()
        assert reader.get(sub.key) == sub


async def test_published_transaction_is_visible_whole(kafka: KafkaClients, unique_name: str) -> None:
    """The messages of one publish() land together with the cursor, readable with read_committed."""
    settings = StreamSettings(topic_prefix=unique_name)
    await ensure_topics(kafka, hub_topics(settings), settings)
    cursors = internal_topic(settings, "cursors")
    projects = f"{unique_name}.projects.v1"
    async with TransactionalPublisher(kafka, f"{unique_name}-tx") as publisher:
        await publisher.publish(
            [
                OutgoingMessage(projects, b"k1", b"v1"),
                OutgoingMessage(projects, b"k2", None),
                OutgoingMessage(cursors, b"c", CursorRecord(connector="c", cursor="1").model_dump_json().encode()),
            ]
        )
    seen = await read_topics(kafka, [projects, cursors])
    assert [(m.topic, m.key, m.value) for m in seen if m.topic == projects] == [
        (projects, b"k1", b"v1"),
        (projects, b"k2", None),
    ]
    async with StateTable(kafka, cursors, CursorRecord) as table:
        record = table.get("c")
        assert record is not None
        assert record.cursor == "1"
