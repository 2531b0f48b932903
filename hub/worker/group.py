"""Sharing connectors between worker processes through a Kafka consumer group.

Every worker joins the group ``<prefix>.hub.workers`` on the topic ``<prefix>.hub.assignments``, which has
``HUB_API__WORKER_SLOTS`` partitions and holds no records: the partitions are only slots. A connector belongs to
slot ``crc32(name) % slots``, and a worker runs the connectors of the slots the group assigns it. When a worker
dies, the broker notices after the session timeout, rebalances, and the survivors get its slots; when one
stops cleanly it leaves the group at once. Before giving up slots in a rebalance a worker stops their runs, so
one connector never runs in two workers (and the transactional id fences a worker that is only presumed dead).
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import NewTopic

from hub.config import HubSettings
from hub.errors import StreamError
from hub.stream.kafka import KafkaClients

__all__ = ["WorkerGroup", "assignment_topic", "ensure_assignment_topic", "slot_of"]

log = structlog.get_logger(__name__)
_TOPIC_ALREADY_EXISTS = 36


def assignment_topic(settings: HubSettings) -> str:
    """The topic whose partitions are the worker slots."""
    return f"{settings.stream.topic_prefix}.hub.assignments"


def slot_of(name: str, slots: int) -> int:
    """The slot of connector ``name`` (stable across processes and restarts)."""
    return zlib.crc32(name.encode()) % slots


async def ensure_assignment_topic(kafka: KafkaClients, settings: HubSettings) -> None:
    """Create the assignment topic with one partition per slot, if missing.

    Raises:
        StreamError: the broker refused, or the topic exists with another partition count.
    """
    topic = assignment_topic(settings)
    admin = kafka.admin()
    try:
        await admin.start()
        if topic not in set(await admin.list_topics()):
            response = await admin.create_topics(
                [
                    NewTopic(
                        topic,
                        num_partitions=settings.api.worker_slots,
                        replication_factor=settings.stream.replication_factor,
                    )
                ]
            )
            errors = [e for e in response.topic_errors if e[1] not in (0, _TOPIC_ALREADY_EXISTS)]
            if errors:
                raise StreamError(f"could not create {topic}: {errors}")
        partitions = 0
        for _ in range(100):
            # A topic just created may be described with no partitions until its metadata has spread.
            described = await admin.describe_topics([topic])
            partitions = len(described[0]["partitions"])
            if partitions:
                break
            await asyncio.sleep(0.1)
        if partitions != settings.api.worker_slots:
            raise StreamError(
                f"{topic} has {partitions} partitions but HUB_API__WORKER_SLOTS={settings.api.worker_slots}; "
                "set it to match"
            )
    finally:
        await admin.close()


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, group: WorkerGroup) -> None:
        self._group = group

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._group.set_slots(self._group.slots - {tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self._group.set_slots(self._group.slots | {tp.partition for tp in assigned})


class WorkerGroup:
    """Membership of the worker group: which slots this process runs.

    Args:
        kafka: the Kafka cluster.
        settings: the hub's settings (topic prefix, slot count, session timeout).
        worker_id: this worker's id (the group member's client id).
        on_change: awaited after every change of slots, before the rebalance completes, so that the scheduler
            stops runs it no longer owns before another worker may start them.
    """

    def __init__(
        self,
        kafka: KafkaClients,
        settings: HubSettings,
        *,
        worker_id: str,
        on_change: Callable[[], Awaitable[None]],
    ) -> None:
        self._kafka = kafka
        self._settings = settings
        self._worker_id = worker_id
        self._on_change = on_change
        self.slots: frozenset[int] = frozenset()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    def owns(self, name: str) -> bool:
        """Whether this worker runs connector ``name`` now."""
        return slot_of(name, self._settings.api.worker_slots) in self.slots

    async def set_slots(self, slots: set[int] | frozenset[int]) -> None:
        """Record the slots the group gave this worker and let the scheduler act on them."""
        self.slots = frozenset(slots)
        log.info("workers.slots", worker=self._worker_id, slots=sorted(self.slots))
        await self._on_change()

    async def start(self) -> None:
        """Join the group (idempotent)."""
        if self._consumer is not None:
            return
        await ensure_assignment_topic(self._kafka, self._settings)
        session_ms = self._settings.api.worker_session_timeout_ms
        consumer = self._kafka.group_consumer(
            group_id=f"{self._settings.stream.topic_prefix}.hub.workers",
            client_id=self._worker_id,
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(1000, session_ms // 3),
            rebalance_timeout_ms=max(session_ms, 30000),
        )
        consumer.subscribe([assignment_topic(self._settings)], listener=_Listener(self))
        await consumer.start()
        self._consumer = consumer
        self._task = asyncio.create_task(self._poll(consumer), name=f"worker-group-{self._worker_id}")

    async def _poll(self, consumer: AIOKafkaConsumer) -> None:
        # The topic holds no records; polling keeps the membership alive and runs the rebalance callbacks.
        while True:
            await consumer.getmany(timeout_ms=1000)

    async def stop(self) -> None:
        """Leave the group, so that the others take the slots at once (idempotent)."""
        task, self._task = self._task, None
        consumer, self._consumer = self._consumer, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if consumer is not None:
            await consumer.stop()
        if self.slots:
            await self.set_slots(frozenset())
