"""The materialiser: reads the entity, statistics and link topics (``read_committed``) into the RDF store.

Every materialiser keeps a whole copy of the federation, so it is assigned every partition of its topics rather
than sharing them in a consumer group; the positions it resumes from are the offsets stored in the RDF store
with the data (`hub.dump.store`), never Kafka's committed group offsets.

An empty store (a new or deleted directory) is rebuilt from the beginning of the compacted topics with the bulk
loader (`Materialiser.rebuild`: the last value of each key, loaded without transactions, the offsets written
last); from then on every batch is one transaction with its offsets (`Materialiser.step`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import structlog
from aiokafka import ConsumerRecord, TopicPartition

from hub.config import HubSettings
from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.store import Change, HubStore, TopicPartitionKey
from hub.errors import DumpError, StreamError
from hub.schema.base import COMPACTED_ENTITY_TYPES
from hub.stream.consume import partitions_of
from hub.stream.kafka import KafkaClients
from hub.stream.topics import entity_topic

__all__ = [
    "MATERIALISED_ENTITIES",
    "Materialiser",
    "materialised_topics",
    "open_store",
    "run_materialiser",
    "store_path",
    "to_changes",
]

log = structlog.get_logger(__name__)

#: The compacted entity topics the store mirrors (contributions are summarised by the statistics topic).
# Every compacted entity type: one named graph per record. Contributions stay on their topic (and in dumps).
MATERIALISED_ENTITIES = COMPACTED_ENTITY_TYPES


def materialised_topics(settings: HubSettings) -> list[str]:
    """The topic names the materialiser reads."""
    return [entity_topic(settings, entity) for entity in MATERIALISED_ENTITIES]


def store_path(settings: HubSettings) -> Path:
    """Where the store lives: ``HUB_DUMP__STORE_DIR``, by default ``<state_dir>/dump/store``."""
    return settings.dump.store_dir or settings.state_dir / "dump" / "store"


_OPEN_STORES: dict[Path, HubStore] = {}


def open_store(settings: HubSettings) -> HubStore:
    """The process's one `HubStore` at `store_path`, opened on first use.

    RocksDB allows one open handle per directory and process, so the materialiser, the SPARQL endpoint and the
    dumps of one process share it.
    """
    path = store_path(settings).resolve()
    if path not in _OPEN_STORES:
        path.mkdir(parents=True, exist_ok=True)
        _OPEN_STORES[path] = HubStore(path)
    return _OPEN_STORES[path]


def _decode_key(record: ConsumerRecord) -> str | None:
    key = record.key
    if key is None:
        return None
    try:
        return bytes(key).decode("utf-8")
    except UnicodeDecodeError:
        return None


def to_changes(records: Sequence[ConsumerRecord]) -> list[Change]:
    """Turn Kafka records into store changes; a record that is not a hub record is logged and skipped."""
    changes: list[Change | None] = []
    values: list[bytes] = []
    positions: list[int] = []
    for record in records:
        key = _decode_key(record)
        if key is None:
            log.error(
                "materialiser.record_rejected",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                reason="the Kafka key is missing or not UTF-8; hub records are keyed by IRI",
            )
            continue
        if record.value is None:
            changes.append(Change(record.topic, key, None))
            continue
        positions.append(len(changes))
        changes.append(None)
        values.append(bytes(record.value))
    value_records = [r for r in records if r.value is not None and _decode_key(r) is not None]
    for position, record, result in zip(positions, value_records, expand_records(values), strict=True):
        key = _decode_key(record)
        assert key is not None  # noqa: S101 - filtered above
        if isinstance(result, ExpandedRecord):
            changes[position] = Change(record.topic, key, result.iri, result.quads)
        else:
            log.error(
                "materialiser.record_rejected",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=key,
                reason=result.reason,
            )
    return [change for change in changes if change is not None]


class Materialiser:
    """Keeps an `HubStore` equal to the compacted topics it reads.

    Use ``async with`` or `start`/`stop`; `run` applies batches until its stop event is set.
    """

    def __init__(
        self,
        store: HubStore,
        *,
        kafka: KafkaClients,
        topics: Sequence[str],
        batch_max_records: int = 500,
        fetch_timeout_ms: int = 500,
        on_change: Callable[[set[str]], None] | None = None,
    ) -> None:
        self.store = store
        #: Called after each applied batch with the topics it touched (the matcher watches for projects).
        self.on_change = on_change
        self.topics = list(topics)
        self.batch_max_records = batch_max_records
        self.fetch_timeout_ms = fetch_timeout_ms
        self._consumer = kafka.committed_consumer()
        self._partitions: list[TopicPartition] = []
        self._started = False
        self._fresh = False
        self.applied_records = 0

    async def __aenter__(self) -> Materialiser:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self, *, topic_wait_s: float = 30.0) -> None:
        """Connect, wait for the topics to exist, and seek every partition to the store's offsets.

        Raises:
            DumpError: a topic did not appear within ``topic_wait_s``.
        """
        if self._started:
            return
        await self._consumer.start()
        self._started = True
        try:
            self._partitions = await self._discover(topic_wait_s)
        except BaseException:
            await self.stop()
            raise
        self._consumer.assign(self._partitions)
        stored = self.store.offsets()
        # An empty store is filled by `rebuild` (bulk, about three times faster) at the first `step`.
        self._fresh = not stored
        if not stored and next(self.store.record_graphs(), None) is not None:
            # Records without offsets: a rebuild stopped before its offsets were written. Its records may be
            # incomplete (a bulk load is not atomic), so it starts again from nothing.
            log.warning("materialiser.interrupted_rebuild_cleared")
            await asyncio.to_thread(self.store.clear)
        for tp in self._partitions:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                await self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, offset)
        log.info(
            "materialiser.started",
            partitions=len(self._partitions),
            resumed=sum(1 for tp in self._partitions if (tp.topic, tp.partition) in stored),
        )

    async def _discover(self, wait_s: float) -> list[TopicPartition]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            try:
                return await partitions_of(self._consumer, self.topics)
            except StreamError as exc:
                if loop.time() > deadline:
                    raise DumpError(f"{exc} after {wait_s:.0f}s; run `hub up` to create the hub's topics") from exc
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        """Disconnect; the store keeps everything applied so far."""
        if not self._started:
            return
        self._started = False
        await self._consumer.stop()

    async def step(self) -> int:
        """Fetch one batch and apply it with its offsets in one store transaction; return how many records.

        The first step on an empty store is a `rebuild` instead.
        """
        if self._fresh:
            self._fresh = False
            return await self.rebuild()
        fetched = await self._consumer.getmany(timeout_ms=self.fetch_timeout_ms, max_records=self.batch_max_records)
        records = [record for batch in fetched.values() for record in batch]
        if not records:
            return 0
        offsets: dict[TopicPartitionKey, int] = {}
        for tp, batch in fetched.items():
            if batch:
                offsets[(tp.topic, tp.partition)] = batch[-1].offset + 1
        changes = to_changes(records)
        await asyncio.to_thread(self.store.apply, changes, offsets)
        self.applied_records += len(records)
        if self.on_change is not None:
            self.on_change({record.topic for record in records})
        log.debug("materialiser.applied", records=len(records), changes=len(changes))
        return len(records)

    async def rebuild(self, *, chunk_records: int = 2000) -> int:
        """Fill an empty store from the beginning of the topics with the bulk loader; return the records read.

        Reads every partition to its current end, keeps the last value of each key (what compaction keeps),
        bulk-loads the live records, and only then writes the offsets, in one transaction. Call it right after
        `start` on an empty store; afterwards `step` goes on from those offsets.

        Raises:
            DumpError: the store already holds offsets.
        """
        if self.store.offsets():
            raise DumpError("the store is not empty: a rebuild starts from an empty (or deleted) store")
        ends = await self._consumer.end_offsets(self._partitions)
        latest: dict[tuple[str, bytes | None], ConsumerRecord] = {}
        read = 0
        pending = {tp for tp in self._partitions if await self._consumer.position(tp) < ends[tp]}
        while pending:
            fetched = await self._consumer.getmany(*pending, timeout_ms=self.fetch_timeout_ms, max_records=10_000)
            for batch in fetched.values():
                for record in batch:
                    latest[(record.topic, record.key)] = record
                read += len(batch)
            pending = {tp for tp in pending if await self._consumer.position(tp) < ends[tp]}
        live = sorted((r for r in latest.values() if r.value is not None), key=lambda r: (r.topic, r.offset))

        def changes() -> Iterator[Change]:
            # Expanded chunk by chunk while the bulk loader consumes them: one load, bounded memory.
            for start in range(0, len(live), chunk_records):
                yield from to_changes(live[start : start + chunk_records])

        await asyncio.to_thread(self.store.bulk_add, changes())
        offsets = {(tp.topic, tp.partition): await self._consumer.position(tp) for tp in self._partitions}
        await asyncio.to_thread(self.store.apply, [], offsets)
        self.applied_records += read
        log.info("materialiser.rebuilt", read=read, records=len(live))
        return read

    async def caught_up(self) -> bool:
        """Whether every partition has been read up to its last stable offset."""
        ends = await self._consumer.end_offsets(self._partitions)
        for tp in self._partitions:
            if await self._consumer.position(tp) < ends[tp]:
                return False
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Apply batches until ``stop`` is set."""
        while not stop.is_set():
            await self.step()

    async def catch_up(self, timeout_s: float) -> None:
        """Apply batches until every partition is read to its end (what was committed when this was called).

        Raises:
            TimeoutError: not caught up within ``timeout_s``.
        """
        async with asyncio.timeout(timeout_s):
            while not await self.caught_up():
                await self.step()


async def run_materialiser(
    settings: HubSettings,
    kafka: KafkaClients,
    stop_event: asyncio.Event,
    *,
    store: HubStore | None = None,
    projects_changed: asyncio.Event | None = None,
) -> None:
    """The materialiser role of ``hub up`` and ``hub materialise``: run until ``stop_event`` is set.

    Args:
        settings: the hub settings (topic prefix, store path, batch size).
        kafka: clients for the Kafka cluster.
        stop_event: set it to stop after the batch in progress.
        store: the store to fill; by default the process's `open_store`.
        projects_changed: set when an applied batch touched the projects topic (it wakes the matcher).
    """
    store = store or open_store(settings)
    projects = entity_topic(settings, "projects")

    def on_change(topics: set[str]) -> None:
        if projects_changed is not None and projects in topics:
            projects_changed.set()

    async with Materialiser(
        store,
        kafka=kafka,
        topics=materialised_topics(settings),
        batch_max_records=settings.dump.batch_max_records,
        on_change=on_change,
    ) as materialiser:
        await materialiser.run(stop_event)
    store.flush()
    log.info("materialiser.stopped", applied=materialiser.applied_records)
