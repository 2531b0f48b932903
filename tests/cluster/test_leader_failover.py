"""Kill a partition's leader on the three-node cluster while producing: nothing is lost, nothing doubled."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import NewTopic

from hub.localkafka_probe import describe_partitions
from hub.stream.kafka import KafkaClients
from tests.cluster.conftest import BROKERS, Cluster, hub_command

pytestmark = pytest.mark.integration

BATCH = 200


async def _produce(clients: KafkaClients, topic: str, numbers: range) -> None:
    """Publish ``numbers`` in order (idempotent, acks=all: a retry after a leader change is never a duplicate)."""
    producer = clients.producer(linger_ms=5)
    await producer.start()
    try:
        for start in range(numbers.start, numbers.stop, 50):
            sends = [
                await producer.send(topic, key=str(n).encode(), value=str(n).encode())
                for n in range(start, min(start + 50, numbers.stop))
            ]
            await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def _read_all(clients: KafkaClients, topic: str, expected: int, timeout_s: float = 60.0) -> list[int]:
    consumer = clients.committed_consumer()
    await consumer.start()
    values: list[int] = []
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        deadline = time.monotonic() + timeout_s
        while await consumer.position(tp) < end:
            assert time.monotonic() < deadline, f"read {len(values)} of {expected} records in {timeout_s}s"
            batch = await consumer.getmany(tp, timeout_ms=1000)
            values += [int(r.value) for r in batch.get(tp, [])]
    finally:
        await consumer.stop()
    return values


async def _wait_fully_replicated(clients: KafkaClients, topic: str, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        (state,) = await describe_partitions(clients, [topic])
        if len(state.isr) == BROKERS:
            return
        await asyncio.sleep(0.5)  # polling the broker with a deadline, not waiting for time to pass
    raise AssertionError(f"{topic} did not get all {BROKERS} replicas back in sync within {timeout_s}s: {state}")


async def test_killing_the_leader_loses_and_doubles_nothing(cluster: Cluster, unique_name: str) -> None:
    clients = cluster.clients
    topic = f"{unique_name}-failover"
    admin = clients.admin()
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, BROKERS, topic_configs={"min.insync.replicas": "2"})])
    finally:
        await admin.close()
    await _wait_fully_replicated(clients, topic)

    await _produce(clients, topic, range(BATCH))
    assert await _read_all(clients, topic, BATCH) == list(range(BATCH))

    leader = await cluster.leader(topic)
    assert leader in range(1, BROKERS + 1)
    killed_at = time.monotonic()
    cluster.kill(leader)
    # Two replicas remain, which min.insync.replicas=2 allows: producing goes on once a new leader is elected.
    await _produce(clients, topic, range(BATCH, 2 * BATCH))
    failover_s = time.monotonic() - killed_at
    new_leader = await cluster.leader(topic)
    assert new_leader not in (leader, -1)

    cluster.restart(leader)
    await _produce(clients, topic, range(2 * BATCH, 3 * BATCH))
    await _wait_fully_replicated(clients, topic)

    values = await _read_all(clients, topic, 3 * BATCH)
    assert values == list(range(3 * BATCH)), "every record exactly once, in order"
    print(f"leader {leader} killed; {BATCH} records went through the new leader {new_leader} in {failover_s:.1f}s")


async def test_status_shows_every_node_its_role_and_the_active_controller(cluster: Cluster) -> None:
    result = hub_command(cluster.state_dir, "kafka", "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout.strip().splitlines()[-1])
    assert status["brokers"] == BROKERS
    assert sorted(n["node_id"] for n in status["nodes"]) == list(range(1, BROKERS + 1))
    controller = status["active_controller"]
    assert controller == cluster.active_controller()
    roles = {n["node_id"]: n["role"] for n in status["nodes"]}
    assert roles[controller] == "broker, active controller"
    assert all(roles[i] == "broker, controller (follower)" for i in roles if i != controller)
    assert status["under_replicated"] == []
