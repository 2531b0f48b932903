"""Normalised records per second through the transactional pipeline, against the best bare transactional producer.

All run in one process against one broker. The pipeline is `run_sync` end to end minus the platform: verbatim
records whose `map` returns ready PPSR Core projects, so what is measured is change detection, serialisation,
the CloudEvents envelope, the raw and entity messages and one Kafka transaction (idempotent, acks=all) per
``--per-transaction`` records with its cursor. The baselines are bare transactional producers
sending the very messages the pipeline wrote (same topics layout, keys, values and headers), in transactions of
the same number of records (``--per-transaction``; the pipeline merges its pages of 100 up to it), with nothing
else to do:

- aiokafka, tuned as the pipeline's producer is (``HUB_STREAM__LINGER_MS``, ``HUB_STREAM__MAX_BATCH_SIZE``);
- confluent-kafka (librdkafka), the same linger and batch size, murmur2 partitioning like the Java client.

The pipeline runs with each of its producer clients (``HUB_STREAM__PRODUCER``), once mapping on the sync's event
loop and once with ``--map-workers`` worker processes mapping and serialising (``HUB_STREAM__MAP_WORKERS``). The
bare producers send every message the pipeline writes: raw, entity, the connector's state records and the cursor.
The figure to watch is
``pipeline / best bare``: the share of the client's limit the hub reaches. The machine's
load average is printed beside each figure, since other work on the machine moves all of them. The garbage
collector runs at the hub's pace (`hub.collector`; ``HUB_GC_YOUNG_THRESHOLD=0`` for Python's own). One
unmeasured pass of the bare confluent producer warms the broker up before the first run.

    .venv/bin/python -m bench.bench_publish --count 20000   # starts a local broker (HUB_KAFKA_BOOTSTRAP unset)
    HUB_KAFKA_BOOTSTRAP=host:port .venv/bin/python -m bench.bench_publish   # on an existing cluster
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import aiohttp
from confluent_kafka import Producer

from hub.collector import pace_collector
from hub.config import HubSettings, StreamSettings, load_settings
from hub.connectors import Batch, Connector, ConnectorConfig, HttpClient, RawRecord, decode_cursor, encode_cursor
from hub.runtime import kafka_cluster
from hub.schema import HubModel
from hub.schema.base import CONTEXT_URL
from hub.schema.examples import examples
from hub.schema.iris import mint_iri
from hub.security.client_config import confluent_config
from hub.stream.changes import HashIndex, RawIndex
from hub.stream.kafka import KafkaClients
from hub.stream.normalise import Normaliser
from hub.stream.pipeline import SyncSummary, run_sync
from hub.stream.publisher import OutgoingMessage
from hub.stream.records import connector_source
from hub.stream.state import CursorRecord, encode_state
from hub.stream.sync_state import state_messages
from hub.stream.topics import (
    ensure_topics,
    hub_topics,
    internal_topic,
    raw_topic_spec,
    sync_state_topic,
    sync_state_topic_spec,
)

PAGE = 100  # records per fetched page: the pipeline merges pages into transactions of records_per_transaction


class BenchConfig(ConnectorConfig):
    base_url: Any = "https://bench.invalid/api/"


@functools.cache
def _template() -> HubModel:
    return examples()["project"]


def bench_model(native_id: str) -> HubModel:
    """The project of a bench record: the full example project, renamed (a copy, no validation: no mapping cost)."""
    return _template().model_copy(
        update={"iri": mint_iri("project", "bench", native_id), "project_name": f"Bench project {native_id}"}
    )


class BenchConnector(Connector):
    """Serves prepared records; `map` copies a ready model, so next to no mapping cost is measured.

    Its ``map`` depends on the record alone, so worker processes may run it (``HUB_STREAM__MAP_WORKERS``).
    """

    name: ClassVar[str] = "bench"
    platform: ClassVar[str] = "bench"
    config_model: ClassVar[type[ConnectorConfig]] = BenchConfig
    sync_mode: ClassVar = "incremental"
    maps_in_workers: ClassVar[bool] = True

    def __init__(self, config: BenchConfig, *, http: HttpClient, records: list[RawRecord] | None = None) -> None:
        super().__init__(config, http=http)
        self.records = records or []

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        start = int(decode_cursor(cursor, connector=self.name).get("offset", 0))
        for offset in range(start, len(self.records), PAGE):
            yield Batch(self.records[offset : offset + PAGE], encode_cursor({"offset": offset + PAGE}))

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        return [bench_model(record.native_id)]


def prepare(count: int) -> tuple[list[RawRecord], dict[str, HubModel]]:
    """``count`` distinct projects shaped like the full example project, and small verbatim records for them."""
    records: list[RawRecord] = []
    models: dict[str, HubModel] = {}
    for index in range(count):
        native = str(index)
        models[native] = bench_model(native)
        payload = {"id": native, "display_name": f"Bench project {index}", "updated_at": "2026-01-01T00:00:00Z"}
        records.append(RawRecord("bench", "project", native, payload, f"https://bench.invalid/api/projects/{native}"))
    return records, models


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


async def pipeline(
    kafka: KafkaClients, settings: HubSettings, records: list[RawRecord], models: dict[str, HubModel]
) -> tuple[float, float]:
    """Seconds of the whole sync, and seconds from its first commit to its last (the steady rate)."""
    commits: list[tuple[float, int]] = []

    def progress(summary: SyncSummary) -> None:
        commits.append((time.perf_counter(), summary.fetched))

    # The topics exist before the clock starts, as they do for the bare producers and for every sync but a
    # connector's first: creating a fresh prefix's topics is a one-off cost of the broker, not of publishing.
    topics = [*hub_topics(settings), raw_topic_spec(settings, "bench"), sync_state_topic_spec(settings, "bench")]
    await ensure_topics(kafka, topics, settings)
    async with aiohttp.ClientSession() as session:
        connector = BenchConnector(BenchConfig(), http=HttpClient(session), records=records)
        started = time.perf_counter()
        summary = await run_sync("bench", connector, kafka=kafka, settings=settings, progress=progress)
        elapsed = time.perf_counter() - started
    if summary.published != len(records):
        raise RuntimeError(f"the pipeline published {summary.published} of {len(records)} records")
    (first_at, first_records), (last_at, last_records) = commits[0], commits[-1]
    steady = (last_at - first_at) / max(last_records - first_records, 1) * len(records)
    return elapsed, steady


def transactions(
    settings: HubSettings, records: list[RawRecord], models: dict[str, HubModel]
) -> list[list[OutgoingMessage]]:
    """The messages the pipeline writes for ``records`` (raw, entity, state, cursor), grouped as its transactions."""
    index, raw = HashIndex(), RawIndex()
    normaliser: Normaliser[RawRecord] = Normaliser(
        settings,
        connector="bench",
        source=connector_source("bench"),
        map_record=lambda record: [models[record.native_id]],
        index=index,
        raw_index=raw,
        dataschema=CONTEXT_URL,
    )
    state_topic = sync_state_topic(settings, "bench")
    cursors = internal_topic(settings, "cursors")
    size = settings.stream.records_per_transaction
    txns = []
    for number, start in enumerate(range(0, len(records), size), start=1):
        plan = normaliser.plan(records[start : start + size])
        state = state_messages(state_topic, plan, index, raw, {})
        cursor = encode_state(CursorRecord(connector="bench", cursor=str(start + size), batches=number))
        txns.append([*plan.messages, *state, OutgoingMessage(cursors, b"bench", cursor)])
        plan.commit_to(index, raw)
    return txns


async def bare_aiokafka(kafka: KafkaClients, stream: StreamSettings, txns: list[list[OutgoingMessage]]) -> float:
    producer = kafka.transactional_producer(
        f"bench-aiokafka-{uuid.uuid4().hex[:8]}", linger_ms=stream.linger_ms, max_batch_size=stream.max_batch_size
    )
    await producer.start()
    try:
        started = time.perf_counter()
        for messages in txns:
            await producer.begin_transaction()
            for m in messages:
                await producer.send(m.topic, m.value, key=m.key, headers=list(m.headers))
            await producer.commit_transaction()
        return time.perf_counter() - started
    finally:
        await producer.stop()


def bare_confluent(kafka: KafkaClients, stream: StreamSettings, txns: list[list[OutgoingMessage]]) -> float:
    producer = Producer(
        {
            **confluent_config(kafka),
            "transactional.id": f"bench-confluent-{uuid.uuid4().hex[:8]}",
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": stream.linger_ms,
            "batch.size": stream.max_batch_size,
            "partitioner": "murmur2_random",  # the Java client's partitioner, as aiokafka's
        }
    )
    producer.init_transactions(30)
    started = time.perf_counter()
    for messages in txns:
        producer.begin_transaction()
        for m in messages:
            while True:
                try:
                    producer.produce(m.topic, m.value, m.key, headers=list(m.headers))
                    break
                except BufferError:
                    producer.poll(0.01)  # the local queue is full: let librdkafka send some first
        producer.commit_transaction(60)
    elapsed = time.perf_counter() - started
    producer.flush(10)
    return elapsed


def _variants(map_workers: int) -> list[tuple[str, int]]:
    """(producer client, map workers) of each pipeline run: each client with the sync mapping, then with workers."""
    workers = [0, map_workers] if map_workers else [0]
    return [(client, w) for client in ("aiokafka", "confluent") for w in workers]


async def main(count: int, runs: int, per_transaction: int, map_workers: int) -> None:
    settings = load_settings()
    pace_collector(settings.gc_young_threshold)
    stream = settings.stream.model_copy(update={"records_per_transaction": per_transaction})
    records, models = prepare(count)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    bare_settings = HubSettings(stream=stream.model_copy(update={"topic_prefix": f"{prefix}-bare"}))
    txns = transactions(bare_settings, records, models)
    messages = sum(len(t) for t in txns)
    variants = _variants(map_workers)
    figures: dict[str, list[tuple[float, str]]] = {"aiokafka": [], "confluent": []}
    for client, workers in variants:
        figures[f"pipeline-{client}-{workers}"] = []
        figures[f"steady-{client}-{workers}"] = []
    async with kafka_cluster(settings) as kafka:
        try:
            bare_topics = [
                *hub_topics(bare_settings),
                raw_topic_spec(bare_settings, "bench"),
                sync_state_topic_spec(bare_settings, "bench"),
            ]
            await ensure_topics(kafka, bare_topics, stream)
            # Unmeasured: a fresh broker's JIT warms up on whatever comes first, which made run 1's bare rates
            # 30-40% below run 2's and flattered the pipelines after them.
            await asyncio.to_thread(bare_confluent, kafka, stream, txns)
            for run in range(runs):
                # Bare producers first, then the pipeline; each run on fresh topics for the pipeline.
                figures["aiokafka"].append((await bare_aiokafka(kafka, stream, txns), load()))
                figures["confluent"].append((await asyncio.to_thread(bare_confluent, kafka, stream, txns), load()))
                for client, workers in variants:
                    update = {
                        "topic_prefix": f"{prefix}-{run}-{client}-{workers}",
                        "producer": client,
                        "map_workers": workers,
                    }
                    own = HubSettings(stream=stream.model_copy(update=update))
                    whole, steady = await pipeline(kafka, own, records, models)
                    figures[f"pipeline-{client}-{workers}"].append((whole, load()))
                    figures[f"steady-{client}-{workers}"].append((steady, load()))
        finally:
            admin = kafka.admin()
            await admin.start()
            try:
                await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(prefix)])
            finally:
                await admin.close()
    size = stream.records_per_transaction
    value_bytes = sum(len(m.jsonld_and_hash()[0]) for m in models.values())
    print(
        f"{count} records ({messages} messages: raw, entity, state and cursor), {value_bytes / count:.0f} bytes of "
        f"JSON-LD each; transactions of {size} records; linger_ms={stream.linger_ms}, "
        f"max_batch_size={stream.max_batch_size}; {os.cpu_count()} CPUs; a young garbage collection every "
        f"{gc.get_threshold()[0]} allocations (HUB_GC_YOUNG_THRESHOLD)"
    )
    labels = {"aiokafka": "bare aiokafka, transactional, tuned", "confluent": "bare confluent-kafka, transactional"}
    for client, workers in variants:
        where = f"{workers} map workers" if workers else "mapped in the sync"
        labels[f"pipeline-{client}-{workers}"] = f"pipeline, {client}, {where} (whole sync)"
        labels[f"steady-{client}-{workers}"] = f"pipeline, {client}, {where}, 1st to last commit"
    for name, label in labels.items():
        rates = ", ".join(f"{count / seconds:8.0f}/s ({where})" for seconds, where in figures[name])
        print(f"{label:58s} {rates}")
    for run in range(runs):
        best = min(figures["aiokafka"][run][0], figures["confluent"][run][0])
        ratios = ", ".join(
            f"{client}/{workers}w {best / figures[f'pipeline-{client}-{workers}'][run][0]:.2f} "
            f"(steady {best / figures[f'steady-{client}-{workers}'][run][0]:.2f})"
            for client, workers in variants
        )
        print(f"run {run + 1}: ratio pipeline / best bare: {ratios}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20000, help="records to publish (default 20000)")
    parser.add_argument("--runs", type=int, default=1, help="rounds of all three, on one broker (default 1)")
    parser.add_argument(
        "--per-transaction", type=int, default=500, help="records per transaction, pipeline and bare (default 500)"
    )
    parser.add_argument(
        "--map-workers", type=int, default=1, help="worker processes of the pipeline's second runs (0: none; default 1)"
    )
    arguments = parser.parse_args()
    if __spec__ is None:
        # Worker processes import the bench connector by its module name, which a script run does not have.
        raise SystemExit("run it as a module, from the checkout's root: python -m bench.bench_publish")
    asyncio.run(main(arguments.count, arguments.runs, arguments.per_transaction, arguments.map_workers))
