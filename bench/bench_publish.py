"""Normalised records per second through the transactional pipeline, against a bare aiokafka producer.

Both run in the same process against the same broker on the same bytes. The pipeline is `run_sync` end to end
minus the platform: batches of 500 verbatim records whose `map` returns ready PPSR Core projects, so what is
measured is change detection, the CloudEvents envelope, the raw and entity messages and one Kafka transaction
(idempotent, acks=all) per batch with its cursor. The baseline sends the same raw and JSON-LD bytes with the same
keys through a default `AIOKafkaProducer` (acks=1, no idempotence, no transactions, no headers), then flushes.

    .venv/bin/python bench/bench_publish.py --count 20000   # starts a local broker (HUB_KAFKA_BOOTSTRAP unset)
    HUB_KAFKA_BOOTSTRAP=host:port .venv/bin/python bench/bench_publish.py   # on an existing cluster
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import aiohttp
import orjson
from aiokafka import AIOKafkaProducer

from hub.config import HubSettings, StreamSettings, load_settings
from hub.connectors import Batch, Connector, ConnectorConfig, HttpClient, RawRecord, decode_cursor, encode_cursor
from hub.runtime import kafka_cluster
from hub.schema import HubModel
from hub.schema.examples import examples
from hub.schema.iris import mint_iri
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import run_sync
from hub.stream.topics import TopicSpec, ensure_topics

BATCH = 500


class BenchConfig(ConnectorConfig):
    base_url: Any = "https://bench.invalid/api/"


class BenchConnector(Connector):
    """Serves prepared records; `map` looks the ready model up, so no mapping cost is measured."""

    name: ClassVar[str] = "bench"
    platform: ClassVar[str] = "bench"
    config_model: ClassVar[type[ConnectorConfig]] = BenchConfig
    sync_mode: ClassVar = "incremental"

    def __init__(self, records: list[RawRecord], models: dict[str, HubModel], *, http: HttpClient) -> None:
        super().__init__(BenchConfig(), http=http)
        self.records = records
        self.models = models

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        start = int(decode_cursor(cursor, connector=self.name).get("offset", 0))
        for offset in range(start, len(self.records), BATCH):
            yield Batch(self.records[offset : offset + BATCH], encode_cursor({"offset": offset + BATCH}))

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        return [self.models[record.native_id]]


def prepare(count: int) -> tuple[list[RawRecord], dict[str, HubModel]]:
    """``count`` distinct projects shaped like the full example project, and small verbatim records for them."""
    template = examples()["project"]
    records: list[RawRecord] = []
    models: dict[str, HubModel] = {}
    for index in range(count):
        native = str(index)
        models[native] = template.model_copy(
            update={"iri": mint_iri("project", "bench", native), "project_name": f"Bench project {index}"}
        )
        payload = {"id": native, "display_name": f"Bench project {index}", "updated_at": "2026-01-01T00:00:00Z"}
        records.append(RawRecord("bench", "project", native, payload, f"https://bench.invalid/api/projects/{native}"))
    return records, models


async def pipeline(
    kafka: KafkaClients, settings: HubSettings, records: list[RawRecord], models: dict[str, HubModel]
) -> float:
    async with aiohttp.ClientSession() as session:
        connector = BenchConnector(records, models, http=HttpClient(session))
        started = time.perf_counter()
        summary = await run_sync("bench", connector, kafka=kafka, settings=settings)
        elapsed = time.perf_counter() - started
    if summary.published != len(records):
        raise RuntimeError(f"the pipeline published {summary.published} of {len(records)} records")
    return elapsed


async def bare(kafka: KafkaClients, prefix: str, records: list[RawRecord], models: dict[str, HubModel]) -> float:
    raw_topic, entity_topic = f"{prefix}.raw", f"{prefix}.projects"
    await ensure_topics(kafka, [TopicSpec(raw_topic), TopicSpec(entity_topic)], StreamSettings())
    messages = [(raw_topic, f"project:{r.native_id}".encode(), orjson.dumps(r.payload)) for r in records] + [
        (entity_topic, m.iri.encode(), m.to_jsonld_bytes()) for m in models.values()
    ]
    producer = AIOKafkaProducer(**kafka.common_options())
    await producer.start()
    try:
        started = time.perf_counter()
        for topic, key, value in messages:
            await producer.send(topic, value, key=key)
        await producer.flush()
        return time.perf_counter() - started
    finally:
        await producer.stop()


def serialise(models: dict[str, HubModel]) -> float:
    """Seconds the pipeline's per-record model work takes alone: the content hash and the JSON-LD bytes."""
    started = time.perf_counter()
    for model in models.values():
        model.content_hash()
        model.to_jsonld_bytes()
    return time.perf_counter() - started


async def main(count: int) -> None:
    settings = load_settings()
    records, models = prepare(count)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    async with kafka_cluster(settings) as kafka:
        try:
            pipe_s = await pipeline(kafka, HubSettings(stream=StreamSettings(topic_prefix=prefix)), records, models)
            bare_s = await bare(kafka, f"{prefix}-bare", records, models)
        finally:
            admin = kafka.admin()
            await admin.start()
            try:
                await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(prefix)])
            finally:
                await admin.close()
    model_s = serialise(models)
    value_bytes = sum(len(m.to_jsonld_bytes()) for m in models.values())
    print(f"{count} records, {value_bytes / count:.0f} bytes of JSON-LD each, transactions of {BATCH}")
    print(
        f"transactional pipeline: {count / pipe_s:10.0f} records/s  ({pipe_s:.2f} s, incl. topic checks and state load)"
    )
    print(f"bare aiokafka producer: {count / bare_s:10.0f} records/s  ({bare_s:.2f} s)")
    print(f"ratio pipeline / bare:  {bare_s / pipe_s:10.2f}")
    print(f"of which hashing + serialising the models alone: {model_s:.2f} s ({model_s / pipe_s:.0%} of the pipeline)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20000, help="records to publish (default 20000)")
    asyncio.run(main(parser.parse_args().count))
