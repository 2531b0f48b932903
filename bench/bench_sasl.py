"""What SASL/SCRAM costs a producer: the same records through a plaintext and a SASL local broker, same run.

Two single-node brokers from deploy/kafka (one ``HUB_LOCAL_KAFKA__SASL=false``, one with SCRAM-SHA-512 and the
StandardAuthorizer), each fed by the hub's own producer from ``KafkaClients`` (idempotent, acks=all) and by a
transactional producer (one transaction per batch of 500, as the pipeline does). SCRAM costs at connection time
(the handshake) and the authorizer at each request; this prints both modes' records per second.

    .venv/bin/python bench/bench_sasl.py --count 20000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka.admin import NewTopic

from hub.config import LocalKafkaSettings
from hub.localkafka import LocalKafka
from hub.stream.kafka import KafkaClients

BATCH = 500


async def _topic(clients: KafkaClients) -> str:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    admin = clients.admin()
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        await admin.close()
    return name


async def idempotent(clients: KafkaClients, count: int, value: bytes) -> float:
    topic = await _topic(clients)
    producer = clients.producer(linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        for start in range(0, count, BATCH):
            sends = [await producer.send(topic, key=str(n).encode(), value=value) for n in range(start, start + BATCH)]
            await asyncio.gather(*sends)
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def transactional(clients: KafkaClients, count: int, value: bytes) -> float:
    topic = await _topic(clients)
    producer = clients.transactional_producer(f"bench-{uuid.uuid4().hex[:8]}", linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        for start in range(0, count, BATCH):
            async with producer.transaction():
                for n in range(start, start + BATCH):
                    await producer.send(topic, key=str(n).encode(), value=value)
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def measure(clients: KafkaClients, count: int, value: bytes) -> tuple[float, float]:
    await idempotent(clients, BATCH, value)  # warm-up: connections, metadata, JIT
    return await idempotent(clients, count, value), await transactional(clients, count, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=1024, help="bytes per record value")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is printed")
    args = parser.parse_args()
    cache = Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "citsci-hub"))
    value = os.urandom(args.size // 2).hex().encode()
    modes = {"PLAINTEXT": False, "SASL_PLAINTEXT/SCRAM-SHA-512": True}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in modes}
    with tempfile.TemporaryDirectory() as state:
        brokers = {
            name: LocalKafka(
                LocalKafkaSettings(sasl=sasl, heap_mb=384), state_dir=Path(state) / name[:4], cache_dir=cache
            )
            for name, sasl in modes.items()
        }
        try:
            clients = {name: broker.start().clients() for name, broker in brokers.items()}
            # Both brokers run throughout and the modes alternate, so load from elsewhere on the machine hits both.
            for _ in range(args.rounds):
                for name in modes:
                    results[name].append(asyncio.run(measure(clients[name], args.count, value)))
        finally:
            for broker in brokers.values():
                broker.stop()
    print(f"{args.count} records of {args.size} B, batches of {BATCH}, median of {args.rounds} alternating rounds")
    print(f"{'listener':<30} {'idempotent rec/s':>17} {'transactional rec/s':>20}")
    medians = {}
    for name, runs in results.items():
        medians[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        print(f"{name:<30} {medians[name][0]:>17,.0f} {medians[name][1]:>20,.0f}")
    (base_i, base_t), (sasl_i, sasl_t) = medians.values()
    print(
        f"SASL/SCRAM throughput change: {sasl_i / base_i - 1:+.1%} idempotent, {sasl_t / base_t - 1:+.1%} transactional"
    )


if __name__ == "__main__":
    main()
