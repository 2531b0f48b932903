"""The materialiser against a real broker: upserts, deletes, restarts and a rebuild leave the store equal to
the compacted topics (compared as canonical triple sets)."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Sequence
from pathlib import Path

import orjson
import pyoxigraph as ox
import pytest
from aiokafka import TopicPartition

from hub.config import HubSettings, StreamSettings
from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.materialiser import Materialiser, materialised_topics
from hub.dump.store import STATE_GRAPH, Change, HubStore
from hub.errors import DumpError
from hub.schema import HubModel
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, hub_topics
from tests.dump.records import canonical, expected_dataset, link, platform, project, statistics

pytestmark = pytest.mark.integration


async def _publish(
    kafka: KafkaClients, transactional_id: str, messages: Sequence[tuple[str, str, bytes | None]]
) -> None:
    producer = kafka.transactional_producer(transactional_id)
    await producer.start()
    try:
        async with producer.transaction():
            for topic, key, value in messages:
                await producer.send(topic, key=key.encode(), value=value)
    finally:
        await producer.stop()


async def _publish_aborted(kafka: KafkaClients, transactional_id: str, topic: str, record: HubModel) -> None:
    producer = kafka.transactional_producer(transactional_id)
    await producer.start()
    try:
        await producer.begin_transaction()
        await producer.send_and_wait(topic, key=record.partition_key().encode(), value=record.to_jsonld_bytes())
        await producer.abort_transaction()
    finally:
        await producer.stop()


async def _compacted_view(kafka: KafkaClients, topics: list[str]) -> ox.Dataset:
    """What log compaction would keep: the last committed value of every key, tombstones dropped, as RDF."""
    consumer = kafka.committed_consumer()
    await consumer.start()
    latest: dict[tuple[str, bytes], bytes | None] = {}
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or {0}]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                for record in records:
                    latest[(tp.topic, record.key)] = record.value
    finally:
        await consumer.stop()
    return expected_dataset(orjson.loads(value) for value in latest.values() if value is not None)


def _store_view(store: HubStore) -> ox.Dataset:
    return canonical([q for q in store.record_quads() if q.graph_name != STATE_GRAPH])


async def _materialise(store: HubStore, kafka: KafkaClients, settings: HubSettings) -> Materialiser:
    materialiser = Materialiser(store, kafka=kafka, topics=materialised_topics(settings), batch_max_records=3)
    await materialiser.start()
    try:
        await materialiser.catch_up(timeout_s=60)
    finally:
        await materialiser.stop()
    return materialiser


async def test_store_follows_the_compacted_topics_through_restarts_and_a_rebuild(
    kafka: KafkaClients, unique_name: str, tmp_path: Path
) -> None:
    """Upserts, tombstones, an aborted transaction, restarts and a deleted store all end equal to the topics."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    await ensure_topics(kafka, hub_topics(settings.stream), settings.stream)
    projects, links, stats, platforms = (
        f"{unique_name}.{e}.v1" for e in ("projects", "links", "statistics", "platforms")
    )
    a = project("scistarter", "a", "Alpha", url="https://alpha.example.org/", lat=48.1, lon=11.5)
    b = project("eu-citizen-science", "7", "Beta")
    first = [
        (projects, a.iri, a.to_jsonld_bytes()),
        (projects, b.iri, b.to_jsonld_bytes()),
        (
            platforms,
            platform("scistarter", "SciStarter", "https://scistarter.org").iri,
            platform("scistarter", "SciStarter", "https://scistarter.org").to_jsonld_bytes(),
        ),
        (
            stats,
            statistics("zooniverse", "9", 1, 10).partition_key(),
            statistics("zooniverse", "9", 1, 10).to_jsonld_bytes(),
        ),
        (links, link(a.iri, b.iri).iri, link(a.iri, b.iri).to_jsonld_bytes()),
    ]
    await _publish(kafka, f"{unique_name}-tx1", first)
    store_dir = tmp_path / "store"
    store = HubStore(store_dir)
    materialiser = await _materialise(store, kafka, settings)
    assert materialiser.applied_records == 5
    assert _store_view(store) == await _compacted_view(kafka, materialised_topics(settings))
    # A new store is filled by the bulk rebuild, which stores each partition's position: past the commit marker.
    assert store.offsets()[(projects, 0)] == 3

    # Updates, a deletion and a new period of statistics, while the materialiser is down.
    a2 = project("scistarter", "a", "Alpha renamed", url="https://alpha.example.org/")
    feb = statistics("zooniverse", "9", 2, 25)
    await _publish(
        kafka,
        f"{unique_name}-tx2",
        [
            (projects, a2.iri, a2.to_jsonld_bytes()),
            (projects, b.iri, None),
            (stats, feb.partition_key(), feb.to_jsonld_bytes()),
            (links, link(a.iri, b.iri).iri, None),
        ],
    )
    await _publish_aborted(kafka, f"{unique_name}-tx3", projects, project("scistarter", "ghost", "Aborted"))
    restarted = await _materialise(store, kafka, settings)
    # Only the four new committed records were read again: nothing lost, nothing applied twice.
    assert restarted.applied_records == 4
    expected = await _compacted_view(kafka, materialised_topics(settings))
    assert _store_view(store) == expected
    graphs = {g.value for g in store.record_graphs()}
    assert a2.iri in graphs
    assert b.iri not in graphs
    assert "https://w3id.org/citsci-hub/id/project/scistarter/ghost" not in graphs

    # A restart with nothing new applies nothing.
    idle = await _materialise(store, kafka, settings)
    assert idle.applied_records == 0
    assert _store_view(store) == expected

    # A deleted store rebuilds from the compacted topics.
    del store, materialiser, restarted, idle  # RocksDB's lock goes with the last reference
    gc.collect()
    shutil.rmtree(store_dir)
    rebuilt_store = HubStore(store_dir)
    rebuilt = await _materialise(rebuilt_store, kafka, settings)
    assert rebuilt.applied_records == 9
    assert _store_view(rebuilt_store) == expected


async def test_missing_topics_are_reported_by_name(kafka: KafkaClients, unique_name: str) -> None:
    """A materialiser started before the hub's topics exist says which topic is missing and how to create it."""
    materialiser = Materialiser(HubStore(None), kafka=kafka, topics=[f"{unique_name}.projects.v1"])
    with pytest.raises(DumpError, match=rf"'{unique_name}.projects.v1' does not exist .*hub up"):
        await materialiser.start(topic_wait_s=1)
    await materialiser.stop()


async def test_an_interrupted_rebuild_starts_again_from_nothing(
    kafka: KafkaClients, unique_name: str, tmp_path: Path
) -> None:
    """Records without offsets (a bulk rebuild cut short) are cleared, and the rebuild gives the topics' state."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    await ensure_topics(kafka, hub_topics(settings.stream), settings.stream)
    kept = project("zooniverse", "1", "Kept")
    await _publish(kafka, f"{unique_name}-tx", [(f"{unique_name}.projects.v1", kept.iri, kept.to_jsonld_bytes())])
    store = HubStore(tmp_path / "store")
    stale = project("zooniverse", "2", "Half-loaded before a crash")
    store.bulk_add(to_changes_for([stale]))
    assert store.offsets() == {}
    await _materialise(store, kafka, settings)
    assert _store_view(store) == expected_dataset([kept])
    assert store.offsets()[(f"{unique_name}.projects.v1", 0)] == 2


def to_changes_for(records: list[HubModel]) -> list[Change]:
    changes = []
    for record, result in zip(records, expand_records([r.to_jsonld_bytes() for r in records]), strict=True):
        assert isinstance(result, ExpandedRecord)
        changes.append(Change("x.projects.v1", record.iri, result.iri, result.quads))
    return changes
