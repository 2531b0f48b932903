"""A state table starts one producer however many first writes arrive at once (none is left open)."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.stream.state import CursorRecord, StateTable
from tests.memory_kafka import MemoryCluster, MemoryKafkaClients


class CountingClients(MemoryKafkaClients):
    def __init__(self) -> None:
        super().__init__(MemoryCluster(partitions=1))
        object.__setattr__(self, "made", [])

    def producer(self, **options: Any) -> Any:
        made = super().producer(**options)
        self.made.append(made)  # type: ignore[attr-defined]
        return made


async def test_two_first_writes_at_once_start_one_producer() -> None:
    kafka = CountingClients()
    kafka.cluster.create_topic("mem.hub.cursors", 1)
    async with StateTable(kafka, "mem.hub.cursors", CursorRecord) as table:
        # The API deleting a connector and its worker releasing it both tombstone the cursor, at the same moment.
        await asyncio.gather(table.put("zoo", None), table.put("zoo", None), table.put("bee", None))
        made = kafka.made  # type: ignore[attr-defined]
        assert len(made) == 1
    assert not made[0].started, "the table's producer is stopped with the table"
    assert len(kafka.cluster.committed("mem.hub.cursors")) == 3
