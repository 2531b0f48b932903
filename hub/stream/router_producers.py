"""The router's transactional producers: one per entity-topic partition it owns, named after that partition.

aiokafka commits offsets in a transaction with ``TxnOffsetCommit`` v0, which carries no consumer-group generation,
so the KIP-447 way of fencing a zombie (the broker refusing offsets from an old generation) is not available.
The router therefore fences the way Kafka Streams did before KIP-447: the transactional id is derived from the
input partition (``<group>.<topic>.<partition>``). Two routers never fence each other, since they own different
partitions; the router that takes a partition over starts its producer, which bumps the id's epoch, aborts what
the previous owner left open and makes every later write or commit of that owner (a zombie that lost the group
but still runs) fail with ``ProducerFenced``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import structlog
from aiokafka import TopicPartition

from hub.stream.kafka import KafkaClients
from hub.stream.publisher import TransactionalPublisher

__all__ = ["PartitionPublishers", "partition_transactional_id"]

log = structlog.get_logger(__name__)


def partition_transactional_id(group_id: str, tp: TopicPartition) -> str:
    """The transactional id of whoever routes ``tp`` for the router group ``group_id``."""
    return f"{group_id}.{tp.topic}.{tp.partition}"


class PartitionPublishers:
    """The publishers of the partitions this router owns, started when it gets them and stopped when it loses them.

    Args:
        kafka: the cluster.
        group_id: the router's consumer group (the prefix of every transactional id).
        producer_options: passed to each `TransactionalPublisher`.
    """

    def __init__(self, kafka: KafkaClients, group_id: str, **producer_options: Any) -> None:
        self._kafka = kafka
        self._group = group_id
        self._options = producer_options
        self._publishers: dict[TopicPartition, TransactionalPublisher] = {}

    @property
    def owned(self) -> frozenset[TopicPartition]:
        """The partitions with a started publisher."""
        return frozenset(self._publishers)

    def get(self, tp: TopicPartition) -> TransactionalPublisher:
        """The publisher of an owned partition.

        Raises:
            KeyError: ``tp`` is not owned (it was never assigned, or it was revoked since).
        """
        return self._publishers[tp]

    async def own(self, assigned: Iterable[TopicPartition]) -> set[TopicPartition]:
        """Make the owned partitions exactly ``assigned``; return those newly started.

        Publishers of partitions no longer assigned are stopped first; then one is started per new partition,
        which fences the partition's previous owner. Read the committed offsets and partner topics only after this
        returns: whatever the previous owner left open has been settled by then.
        """
        wanted = set(assigned)
        for tp in sorted(set(self._publishers) - wanted):
            await self._publishers.pop(tp).stop()
        new = {
            tp: TransactionalPublisher(self._kafka, partition_transactional_id(self._group, tp), **self._options)
            for tp in sorted(wanted - set(self._publishers))
        }
        # Started side by side: a rebalance that moves many partitions would otherwise wait for one
        # InitProducerId round trip (and the settling of a zombie's transaction) after another.
        try:
            results = await asyncio.gather(*(p.start() for p in new.values()), return_exceptions=True)
        except BaseException:
            # Cancelled while starting (the hub stopping): those already started are in no table yet, so stop them
            # here, or they are garbage-collected open ("Unclosed AIOKafkaProducer"). stop() is idempotent.
            for publisher in new.values():
                await asyncio.shield(publisher.stop())
            raise
        for (tp, publisher), result in zip(new.items(), results, strict=True):
            if isinstance(result, BaseException):
                await publisher.stop()
            else:
                self._publishers[tp] = publisher
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed
        started = set(new)
        if started:
            log.info("router.partitions_owned", started=[f"{t.topic}/{t.partition}" for t in sorted(started)])
        return started

    async def close(self) -> None:
        """Stop every publisher."""
        publishers, self._publishers = self._publishers, {}
        # Shielded, one by one: a cancellation during the close must not leave the remaining producers open.
        stops = [asyncio.ensure_future(publisher.stop()) for publisher in publishers.values()]
        if stops:
            await asyncio.shield(asyncio.gather(*stops, return_exceptions=True))
