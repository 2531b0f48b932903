"""How long a sync takes to start (state load until the connector's first fetch) as the entity topics grow.

For each size N, a fresh topic prefix gets N project records of *other* connectors on its projects topic (written
with a bare transactional producer, in transactions of 50,000), and the measured connector ``bench-own`` first
syncs its own 1,000 records once. Then, in the same run:

- sync start: ``run_sync`` of ``bench-own`` from the call until its ``fetch`` is first called (topic checks,
  producer start and fencing, cursor, and its state topic ``<prefix>.hub.sync.bench-own``), and how many state
  messages it read;
- baseline: ``HashIndex.load`` of the entity topics, which every sync start did before the state topic (and which
  a hub upgraded from before still does once, to rebuild the state).

It prints a table and the ratio of the largest size to the smallest for both (goal for the sync start: flat, ~1.0).

    .venv/bin/python bench/bench_sync_start.py                      # 10k, 100k, 1M; starts a local broker
    .venv/bin/python bench/bench_sync_start.py --sizes 10000 100000
    HUB_KAFKA_BOOTSTRAP=host:port .venv/bin/python bench/bench_sync_start.py   # on an existing cluster
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp

from hub.config import HubSettings, StreamSettings, load_settings
from hub.connectors import Batch, Connector, ConnectorConfig, HttpClient, RawRecord
from hub.runtime import kafka_cluster
from hub.schema import HubModel
from hub.schema.examples import examples
from hub.schema.iris import mint_iri
from hub.stream.changes import HashIndex
from hub.stream.envelope import CloudEvent, event_type
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import run_sync
from hub.stream.publisher import OutgoingMessage, TransactionalPublisher
from hub.stream.records import connector_source
from hub.stream.topics import ensure_topics, entity_topic, hub_topics

OWN = 1000
_PER_TRANSACTION = 50_000


class BenchConfig(ConnectorConfig):
    base_url: Any = "https://bench.invalid/api/"


class StartConnector(Connector):
    """Yields its own records once (the seeding sync); afterwards notes when ``fetch`` is first called, yields none."""

    name: ClassVar[str] = "bench"
    platform: ClassVar[str] = "bench"
    config_model: ClassVar[type[ConnectorConfig]] = BenchConfig
    sync_mode: ClassVar = "incremental"

    def __init__(self, models: dict[str, HubModel], *, http: HttpClient) -> None:
        super().__init__(BenchConfig(), http=http)
        self.models = models
        self.seeding = True
        self.first_fetch: float | None = None

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        self.first_fetch = time.perf_counter()
        if self.seeding:
            records = [
                RawRecord("bench", "project", native, {"id": native}, f"https://bench.invalid/api/projects/{native}")
                for native in self.models
            ]
            yield Batch(records, "seeded")

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        return [self.models[record.native_id]]


async def fill(kafka: KafkaClients, settings: HubSettings, count: int) -> float:
    """Write ``count`` small project records of other connectors to the projects topic; return the seconds taken."""
    topic = entity_topic(settings, "projects")
    started = time.perf_counter()
    publisher = TransactionalPublisher(kafka, f"{settings.stream.topic_prefix}.bench-fill", max_batch_size=262144)
    async with publisher:
        for start in range(0, count, _PER_TRANSACTION):
            messages = []
            for number in range(start, min(start + _PER_TRANSACTION, count)):
                iri = mint_iri("project", "other", str(number))
                event = CloudEvent(
                    source=connector_source(f"other-{number % 10}"),
                    type=event_type("projects", "upserted"),
                    subject=iri,
                    extensions={"contenthash": f"{number:064x}"},
                )
                value = b'{"id":"' + iri.encode() + b'","projectName":"Other project"}'
                messages.append(OutgoingMessage(topic, iri.encode(), value, event.to_headers()))
            await publisher.publish(messages)
    return time.perf_counter() - started


@dataclass
class Row:
    size: int
    fill_s: float
    start_s: float
    state_read: int
    baseline_s: float
    baseline_records: int


async def measure(kafka: KafkaClients, size: int, models: dict[str, HubModel]) -> Row:
    settings = HubSettings(stream=StreamSettings(topic_prefix=f"bench-{uuid.uuid4().hex[:8]}"))
    await ensure_topics(kafka, hub_topics(settings), settings)
    fill_s = await fill(kafka, settings, size)
    async with aiohttp.ClientSession() as session:
        connector = StartConnector(models, http=HttpClient(session))
        seeded = await run_sync("bench-own", connector, kafka=kafka, settings=settings)
        if seeded.published != len(models):
            raise RuntimeError(f"the seeding sync published {seeded.published} of {len(models)} records")
        connector.seeding = False
        connector.first_fetch = None
        began = time.perf_counter()
        summary = await run_sync("bench-own", connector, kafka=kafka, settings=settings)
    if connector.first_fetch is None:
        raise RuntimeError("the connector was never asked to fetch")
    start_s = connector.first_fetch - began
    began = time.perf_counter()
    index = await HashIndex.load(kafka, settings)
    baseline_s = time.perf_counter() - began
    await drop(kafka, settings.stream.topic_prefix)
    return Row(size, fill_s, start_s, summary.state_read, baseline_s, len(index.entries))


async def drop(kafka: KafkaClients, prefix: str) -> None:
    admin = kafka.admin()
    await admin.start()
    try:
        await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(prefix + ".")])
    finally:
        await admin.close()


async def main(sizes: list[int]) -> None:
    settings = load_settings()
    template = examples()["project"]
    models: dict[str, HubModel] = {
        str(i): template.model_copy(update={"iri": mint_iri("project", "bench", str(i)), "project_name": f"P {i}"})
        for i in range(OWN)
    }
    rows: list[Row] = []
    async with kafka_cluster(settings) as kafka:
        for size in sizes:
            rows.append(await measure(kafka, size, models))
            print(f"... {size} done", flush=True)
    print(f"entity records of other connectors on the projects topic; the measured connector owns {OWN}")
    print(
        f"{'records':>9} | {'fill s':>7} | {'sync start s':>12} | {'state read':>10} | "
        f"{'HashIndex.load s':>16} | indexed"
    )
    for row in rows:
        print(
            f"{row.size:>9} | {row.fill_s:>7.1f} | {row.start_s:>12.3f} | {row.state_read:>10} | "
            f"{row.baseline_s:>16.3f} | {row.baseline_records}"
        )
    first, last = rows[0], rows[-1]
    print(
        f"ratio {last.size}/{first.size}: sync start {last.start_s / first.start_s:.2f}, "
        f"HashIndex.load (baseline) {last.baseline_s / first.baseline_s:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="records")
    asyncio.run(main(parser.parse_args().sizes))
