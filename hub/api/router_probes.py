"""What the API shows about the partner router: each subscription's backfill progress, and the router's lag."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import structlog
from aiokafka import TopicPartition

from hub.api.keys import BackfillProbe
from hub.api.problems import plain_traceback
from hub.api.tables import Table
from hub.config import HubSettings
from hub.stream.kafka import KafkaClients
from hub.stream.router import MARK_PREFIX, fingerprint, router_group_id
from hub.stream.state import BackfillMark, PartnerSubscription
from hub.stream.topics import ENTITY_TYPES, entity_topic

__all__ = ["RouterLag", "backfill_probe"]

log = structlog.get_logger(__name__)


def backfill_probe(marks: Table[BackfillMark], settings: HubSettings) -> BackfillProbe:
    """Backfill progress from the router's marks: a partition is done when its mark has the filter's fingerprint.

    Entity topics are assumed to have ``HUB_STREAM__PARTITIONS`` partitions, as the hub creates them.
    """

    async def probe(subscription: PartnerSubscription) -> dict[str, object]:
        wanted = fingerprint(subscription)
        entities = [e for e in (subscription.entity_types or ENTITY_TYPES) if e in ENTITY_TYPES]
        total = done = 0
        for entity in entities:
            topic = entity_topic(settings, entity)
            for partition in range(settings.stream.partitions):
                total += 1
                mark = marks.get(f"{MARK_PREFIX}{subscription.key}/{topic}/{partition}")
                done += mark is not None and mark.fingerprint == wanted
        return {"done": done == total, "partitions_done": done, "partitions_total": total}

    return probe


class RouterLag:
    """The router group's lag per entity-topic partition, refreshed in the background; call it for the latest."""

    def __init__(self, kafka: KafkaClients, settings: HubSettings, *, interval_s: float = 10.0) -> None:
        self._kafka = kafka
        self._group = router_group_id(settings)
        self._topics = [entity_topic(settings, e) for e in ENTITY_TYPES]
        self._interval_s = interval_s
        self._lag: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    def __call__(self) -> Mapping[str, int]:
        """The last measured lag, by ``topic:partition``."""
        return dict(self._lag)

    async def measure(self) -> dict[str, int]:
        """Read the group's committed offsets and the partitions' ends once."""
        admin = self._kafka.admin()
        consumer = self._kafka.committed_consumer()
        try:
            await admin.start()
            await consumer.start()
            committed = await admin.list_consumer_group_offsets(self._group)
            tps = [TopicPartition(t, p) for t in self._topics for p in sorted(consumer.partitions_for_topic(t) or ())]
            if not tps:
                await consumer.topics()  # metadata for the topics, once
                tps = [
                    TopicPartition(t, p) for t in self._topics for p in sorted(consumer.partitions_for_topic(t) or ())
                ]
            ends = await consumer.end_offsets(tps)
        finally:
            await consumer.stop()
            await admin.close()
        lag = {}
        for tp, end in ends.items():
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag[f"{tp.topic}:{tp.partition}"] = max(0, end - position)
        self._lag = lag
        return lag

    async def _loop(self) -> None:
        while True:
            try:
                await self.measure()
            except Exception as exc:  # noqa: BLE001 - logged below, without locals
                log.error("router.lag_unavailable", traceback=plain_traceback(exc))  # noqa: TRY400 - exc_info logs locals
            await asyncio.sleep(self._interval_s)

    async def start(self) -> None:
        """Measure in the background (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="router-lag")

    async def stop(self) -> None:
        """Stop measuring (idempotent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
