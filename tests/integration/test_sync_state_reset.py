"""A snapshot cut short and then started over (cursor reset): the abandoned sweep's marks spare nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from hub.config import HubSettings, StreamSettings
from hub.connectors import Batch
from hub.stream.changes import read_topics
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import run_sync
from hub.stream.state import CursorRecord, StateTable
from hub.stream.topics import internal_topic, sync_state_topic
from tests.stream.fakes import BASE, FakeConnector, http_client, row

pytestmark = pytest.mark.integration


class CutShort(FakeConnector):
    """Fails after ``batches`` pages (0: never), as a platform that goes away mid-listing."""

    batches = 0

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        count = 0
        async for batch in super().fetch(cursor):
            if self.batches and count == self.batches:
                raise RuntimeError("the platform went away")
            count += 1
            yield batch


async def test_a_reset_cursor_drops_the_abandoned_sweeps_marks(kafka: KafkaClients, unique_name: str) -> None:
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    async with aiohttp.ClientSession() as session:
        connector = CutShort([row(i) for i in range(1, 101)], http=http_client(session), page_size=20)
        await run_sync("resets", connector, kafka=kafka, settings=settings)
        connector.batches = 2  # the next sweep sees records 1..40, then fails: their marks are stored
        with pytest.raises(RuntimeError, match="went away"):
            await run_sync("resets", connector, kafka=kafka, settings=settings)
        marks: dict[str, bytes | None] = {}
        for message in await read_topics(kafka, [sync_state_topic(settings, "resets")]):
            if message.key_text.startswith("m/"):
                marks[message.key_text] = message.value
        assert sorted(key for key, value in marks.items() if value is not None) == ["m/6/0", "m/7/0"]

        async with StateTable(kafka, internal_topic(settings, "cursors"), CursorRecord) as cursors:
            await cursors.put("resets", None)  # what DELETE /connectors/resets/cursor does
        connector.batches = 0
        del connector.rows[4]  # record 5, seen by the abandoned sweep, leaves the platform
        again = await run_sync("resets", connector, kafka=kafka, settings=settings)
    assert (again.fetched, again.deleted, again.sweep_refused) == (99, 1, None)
    latest: dict[str, bytes | None] = {}
    for message in await read_topics(kafka, [sync_state_topic(settings, "resets")]):
        latest[message.key_text] = message.value
    assert latest[f"e/{BASE}5"] is None
    assert [key for key, value in latest.items() if key.startswith("m/") and value is not None] == []
