"""Being told soon after anything is written to a few topics, by any process on the cluster.

A state table reads its topic when asked (`StateTable.refresh`), so a reader that polls it on a timer learns of a
write up to one period late: a worker's scheduler ticks once a second, and a sync asked for through the API
waited for the next tick, most of a second, before it started. A `TopicWatcher` keeps one group-less consumer
long-polling the topics from their end, on its own connection, and calls ``on_records`` with whatever arrives
(committed records only), so the reader can refresh at once; its own timer stays as the fallback.

Watching only speeds things up. A watcher that cannot start or loses the cluster says so in the log and leaves
the reader to its timer; it never stops the process that runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.stream.consume import Message, partitions_of, to_message
from hub.stream.kafka import KafkaClients

__all__ = ["TopicWatcher"]

log = structlog.get_logger(__name__)

#: How long one fetch waits at the broker for records (the consumer's own wait is at most its fetch_max_wait_ms).
_POLL_MS = 5_000
#: After a failed poll, the wait before the next one: the cluster is away, and the timer covers for the watcher.
_RETRY_S = 2.0


class TopicWatcher:
    """Calls ``on_records`` with the records written to ``topics`` after `start` (read_committed), as they come.

    Args:
        kafka: the cluster.
        topics: the topics to watch; they must exist when the watcher starts.
        on_records: called on the event loop with each non-empty batch; it should be quick (set an event).
        name: what the log calls this watcher.

    Example:
        async with TopicWatcher(kafka, [commands_topic], lambda records: scheduler.poke(), name="scheduler"):
            ...
    """

    def __init__(
        self,
        kafka: KafkaClients,
        topics: Sequence[str],
        on_records: Callable[[list[Message]], None],
        *,
        name: str,
    ) -> None:
        self._kafka = kafka
        self._topics = list(topics)
        self._on_records = on_records
        self._name = name
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Position at the topics' ends and watch in the background (idempotent; a failure is logged, not raised)."""
        if self._task is not None:
            return
        consumer = self._kafka.committed_consumer()
        try:
            await consumer.start()
            tps = await partitions_of(consumer, self._topics)
            consumer.assign(tps)
            for tp, end in (await consumer.end_offsets(tps)).items():
                consumer.seek(tp, end)
        except Exception as exc:  # noqa: BLE001 - watching only speeds things up; the reader's timer remains
            with contextlib.suppress(Exception):
                await consumer.stop()
            log.warning("watch.not_started", watcher=self._name, topics=self._topics, error=repr(exc))
            return
        self._consumer = consumer
        self._task = asyncio.create_task(self._watch(consumer, tps), name=f"watch-{self._name}")

    async def stop(self) -> None:
        """Stop watching and close the consumer (idempotent)."""
        task, self._task = self._task, None
        consumer, self._consumer = self._consumer, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if consumer is not None:
            await consumer.stop()

    async def __aenter__(self) -> TopicWatcher:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _watch(self, consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> None:
        failing = False
        while True:
            try:
                batch = await consumer.getmany(*tps, timeout_ms=_POLL_MS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - logged once per outage; the reader's timer covers it
                if not failing:
                    log.warning("watch.poll_failed", watcher=self._name, error=repr(exc))
                failing = True
                await asyncio.sleep(_RETRY_S)
                continue
            failing = False
            records = [to_message(record) for records in batch.values() for record in records]
            if records:
                self._on_records(records)
