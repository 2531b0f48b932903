"""An in-memory Kafka cluster behind ``KafkaClients``, for unit tests of the sync pipeline and the router.

It keeps what the hub's guarantees rest on, so a unit test can check them without a broker:

- partitions are logs with offsets; a transaction's records take offsets at once but stay invisible to
  read_committed readers until it commits, and each commit or abort writes a control marker that takes an
  offset too, as in Kafka (so positions jump past offsets no record holds);
- the last stable offset stops before the first record of a transaction still open;
- a producer that starts with a transactional id fences the earlier one with that id and aborts what it left
  open; consumer-group offsets sent in a transaction are committed with it;
- keyed records go to the partition aiokafka's own default partitioner (murmur2) picks;
- faults: ``down`` refuses every request as a vanished broker would (``refused`` counts them), and
  ``lose_next_commit_ack`` commits a transaction but loses its acknowledgement.

One group member per group: a subscribing consumer is given every partition of its topics. The real broker's
integration tests cover what this leaves out (rebalances, compaction, retention, timeouts).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, ProducerFenced
from aiokafka.partitioner import DefaultPartitioner

from hub.stream.kafka import KafkaClients

__all__ = ["MemoryCluster", "MemoryKafkaClients", "StoredRecord"]

_partitioner = DefaultPartitioner()


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One record as a consumer gets it (the attributes of aiokafka's ``ConsumerRecord`` the hub reads)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp: int
    transaction: int | None  # None: written outside any transaction


@dataclass(frozen=True, slots=True)
class _Marker:
    """A commit or abort marker: it takes an offset, and no consumer ever sees it."""

    offset: int
    transaction: int


@dataclass(slots=True)
class _Transaction:
    number: int
    producer: str
    state: str = "open"  # open, committed, aborted
    partitions: set[TopicPartition] = field(default_factory=set)
    offsets: dict[str, dict[TopicPartition, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Metadata:
    topic: str
    partition: int
    offset: int


class MemoryCluster:
    """The cluster's state: topics, logs, transactions, group offsets, and the faults to inject."""

    def __init__(self, partitions: int = 3) -> None:
        self.default_partitions = partitions
        self.logs: dict[TopicPartition, list[StoredRecord | _Marker]] = {}
        self.topics: dict[str, int] = {}
        self.group_offsets: dict[str, dict[TopicPartition, int]] = {}
        self.transactions: dict[int, _Transaction] = {}
        self.epochs: dict[str, int] = {}
        self.down = False
        self.refused = 0
        self._ack_losses: list[str] = []
        self._numbers = itertools.count(1)
        self._changed = asyncio.Event()
        self._commits_open = asyncio.Event()
        self._commits_open.set()

    # --- faults -----------------------------------------------------------------------------------------------

    def check_up(self) -> None:
        """Raise as a client does when no broker answers."""
        if self.down:
            self.refused += 1
            raise KafkaConnectionError("in-memory cluster is down")

    def lose_next_commit_ack(self, transactional_prefix: str) -> None:
        """The next commit by a producer whose id starts with the prefix commits, then its answer is lost."""
        self._ack_losses.append(transactional_prefix)

    def hold_commits(self) -> None:
        """Commits wait, their transactions still open, until `release_commits`: a broker slow to answer."""
        self._commits_open.clear()

    def release_commits(self) -> None:
        """Let the held commits go on (each meets the cluster as it is then: down, or up)."""
        self._commits_open.set()

    @property
    def ack_loss_pending(self) -> bool:
        """True while a planned lost acknowledgement has not happened yet."""
        return bool(self._ack_losses)

    def _take_ack_loss(self, transactional_id: str) -> bool:
        for prefix in self._ack_losses:
            if transactional_id.startswith(prefix):
                self._ack_losses.remove(prefix)
                return True
        return False

    # --- topics and logs --------------------------------------------------------------------------------------

    def create_topic(self, name: str, partitions: int | None = None) -> bool:
        """Create a topic; False when it existed."""
        if name in self.topics:
            return False
        count = partitions or self.default_partitions
        self.topics[name] = count
        for p in range(count):
            self.logs[TopicPartition(name, p)] = []
        return True

    def partitions_of(self, topic: str) -> list[TopicPartition]:
        """Every partition of ``topic`` (none when it does not exist)."""
        return [TopicPartition(topic, p) for p in range(self.topics.get(topic, 0))]

    def end(self, tp: TopicPartition) -> int:
        """The high watermark: the offset the next entry gets."""
        return len(self.logs[tp])

    def stable_end(self, tp: TopicPartition) -> int:
        """The last stable offset: before the first record of a transaction still open."""
        for entry in self.logs[tp]:
            if (
                isinstance(entry, StoredRecord)
                and entry.transaction is not None
                and self.transactions[entry.transaction].state == "open"
            ):
                return entry.offset
        return self.end(tp)

    def visible(self, entry: StoredRecord | _Marker) -> StoredRecord | None:
        """The record a read_committed consumer sees at this entry (None for markers and aborted records)."""
        if isinstance(entry, _Marker):
            return None
        if entry.transaction is not None and self.transactions[entry.transaction].state != "committed":
            return None
        return entry

    def committed(self, topic: str, since: int = 0) -> list[StoredRecord]:
        """The committed records of ``topic`` from entry ``since`` of each partition on, partition by partition."""
        found: list[StoredRecord] = []
        for tp in self.partitions_of(topic):
            for entry in self.logs[tp][since:]:
                record = self.visible(entry)
                if record is not None:
                    found.append(record)
        return found

    def ends(self, topic: str) -> dict[TopicPartition, int]:
        """Each partition's high watermark."""
        return {tp: self.end(tp) for tp in self.partitions_of(topic)}

    def append(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]],
        transaction: int | None,
        partition: int | None = None,
    ) -> StoredRecord:
        if topic not in self.topics:
            self.create_topic(topic)  # auto.create.topics.enable, as the local broker has it
        count = self.topics[topic]
        if partition is None:
            partition = int(_partitioner(key, list(range(count)), list(range(count))))
        tp = TopicPartition(topic, partition)
        record = StoredRecord(
            topic, partition, self.end(tp), key, value, tuple(headers), int(time.time() * 1000), transaction
        )
        self.logs[tp].append(record)
        if transaction is not None:
            self.transactions[transaction].partitions.add(tp)
        self.notify()
        return record

    # --- transactions -----------------------------------------------------------------------------------------

    def register_producer(self, transactional_id: str) -> int:
        """A new epoch for the id: the earlier producer is fenced and its open transaction aborted."""
        epoch = self.epochs.get(transactional_id, 0) + 1
        self.epochs[transactional_id] = epoch
        for txn in self.transactions.values():
            if txn.producer == transactional_id and txn.state == "open":
                self.finish(txn.number, commit=False)
        return epoch

    def begin(self, transactional_id: str) -> int:
        number = next(self._numbers)
        self.transactions[number] = _Transaction(number, transactional_id)
        return number

    def finish(self, number: int, *, commit: bool) -> None:
        txn = self.transactions[number]
        txn.state = "committed" if commit else "aborted"
        for tp in sorted(txn.partitions):
            self.logs[tp].append(_Marker(self.end(tp), number))
        if commit:
            for group, offsets in txn.offsets.items():
                self.group_offsets.setdefault(group, {}).update(offsets)
        self.notify()

    # --- waiting ----------------------------------------------------------------------------------------------

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, timeout_s: float) -> None:
        """Return when anything is appended or finished, or after ``timeout_s``."""
        changed = self._changed
        try:
            async with asyncio.timeout(timeout_s):
                await changed.wait()
        except TimeoutError:
            return

    async def until(self, what: str, check: Callable[[], bool], timeout_s: float = 10.0) -> None:
        """Wait until ``check()`` holds, woken by every change; fail with ``what`` after ``timeout_s``."""
        try:
            async with asyncio.timeout(timeout_s):
                while not check():
                    await self.wait_for_change(0.05)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}") from None


class _Future:
    """What ``send`` returns: awaiting it gives the record's metadata, as aiokafka's future does."""

    def __init__(self, metadata: _Metadata) -> None:
        self._metadata = metadata

    def __await__(self) -> Any:
        async def done() -> _Metadata:
            return self._metadata

        return done().__await__()


class MemoryProducer:
    """The part of ``AIOKafkaProducer`` the hub uses, transactional or not."""

    def __init__(self, cluster: MemoryCluster, transactional_id: str | None = None) -> None:
        self._cluster = cluster
        self._id = transactional_id
        self._epoch = 0
        self._transaction: int | None = None
        self.started = False

    async def start(self) -> None:
        # A real start waits on the network; yielding here lets other tasks run meanwhile, as they would.
        await asyncio.sleep(0)
        self._cluster.check_up()
        if self._id is not None:
            self._epoch = self._cluster.register_producer(self._id)
        self.started = True

    async def stop(self) -> None:
        self.started = False

    def _check(self) -> None:
        self._cluster.check_up()
        if self._id is not None and self._cluster.epochs.get(self._id) != self._epoch:
            raise ProducerFenced()

    async def begin_transaction(self) -> None:
        self._check()
        assert self._id is not None, "begin_transaction on a producer without a transactional id"
        self._transaction = self._cluster.begin(self._id)

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
        **_: Any,
    ) -> _Future:
        self._check()
        if self._id is not None and self._transaction is None:
            raise AssertionError("a transactional producer sent outside a transaction")
        record = self._cluster.append(topic, key, value, headers or (), self._transaction, partition)
        return _Future(_Metadata(record.topic, record.partition, record.offset))

    async def send_and_wait(self, topic: str, value: bytes | None = None, key: bytes | None = None, **kw: Any) -> Any:
        return await (await self.send(topic, value, key=key, **kw))

    async def send_offsets_to_transaction(self, offsets: dict[TopicPartition, int], group_id: str | None) -> None:
        self._check()
        assert self._transaction is not None, "send_offsets_to_transaction outside a transaction"
        assert group_id is not None, "send_offsets_to_transaction without a group"
        self._cluster.transactions[self._transaction].offsets.setdefault(group_id, {}).update(offsets)

    async def commit_transaction(self) -> None:
        self._check()
        await self._cluster._commits_open.wait()
        self._check()
        assert self._transaction is not None, "commit_transaction outside a transaction"
        assert self._id is not None
        number, self._transaction = self._transaction, None
        self._cluster.finish(number, commit=True)
        if self._cluster._take_ack_loss(self._id):
            raise KafkaTimeoutError("in-memory cluster: the commit's acknowledgement was lost")

    async def abort_transaction(self) -> None:
        self._cluster.check_up()
        if self._transaction is not None:
            number, self._transaction = self._transaction, None
            if self._cluster.transactions[number].state == "open":
                self._cluster.finish(number, commit=False)


class _ClusterMetadata:
    def __init__(self, cluster: MemoryCluster) -> None:
        self._cluster = cluster

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        count = self._cluster.topics.get(topic)
        return set(range(count)) if count else None


class _Client:
    """The consumer's ``_client``: the hub reads fresh metadata through it."""

    def __init__(self, cluster: MemoryCluster) -> None:
        self._cluster = cluster

    async def fetch_all_metadata(self) -> _ClusterMetadata:
        self._cluster.check_up()
        return _ClusterMetadata(self._cluster)


class MemoryConsumer:
    """The part of ``AIOKafkaConsumer`` the hub uses: assigned or subscribed, read_committed or not."""

    def __init__(
        self, cluster: MemoryCluster, *topics: str, group_id: str | None = None, isolation_level: str = "read_committed"
    ) -> None:
        self._cluster = cluster
        self._client = _Client(cluster)
        self._group = group_id
        self._committed_only = isolation_level == "read_committed"
        self._subscribed: list[str] = list(topics)
        self._listener: Any = None
        self._positions: dict[TopicPartition, int] = {}
        self._paused: set[TopicPartition] = set()
        self._assigned = False

    async def start(self) -> None:
        self._cluster.check_up()

    async def stop(self) -> None:
        return None

    def subscribe(self, topics: Iterable[str], listener: Any = None) -> None:
        self._subscribed = list(topics)
        self._listener = listener

    async def _join(self) -> None:
        """The one member of its group gets every partition of its topics, from the group's committed offsets."""
        if self._assigned or not self._subscribed:
            return
        tps = [tp for topic in self._subscribed for tp in self._cluster.partitions_of(topic)]
        offsets = self._cluster.group_offsets.get(self._group or "", {})
        self._positions = {tp: offsets.get(tp, 0) for tp in tps}
        self._assigned = True
        if self._listener is not None:
            await self._listener.on_partitions_assigned(set(tps))

    def assign(self, tps: Iterable[TopicPartition]) -> None:
        self._positions = dict.fromkeys(tps, 0)
        self._paused &= set(self._positions)
        self._assigned = True

    def pause(self, *tps: TopicPartition) -> None:
        self._paused.update(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self._paused.difference_update(tps)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    def assignment(self) -> set[TopicPartition]:
        return set(self._positions)

    async def seek_to_beginning(self, *tps: TopicPartition) -> None:
        for tp in tps or tuple(self._positions):
            self._positions[tp] = 0

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._positions[tp] = offset

    async def position(self, tp: TopicPartition) -> int:
        self._cluster.check_up()
        return self._positions[tp]

    async def committed(self, tp: TopicPartition) -> int | None:
        self._cluster.check_up()
        return self._cluster.group_offsets.get(self._group or "", {}).get(tp)

    def _end(self, tp: TopicPartition) -> int:
        return self._cluster.stable_end(tp) if self._committed_only else self._cluster.end(tp)

    async def end_offsets(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        self._cluster.check_up()
        return {tp: self._end(tp) for tp in tps}

    def _take(self, tps: Iterable[TopicPartition], limit: int | None) -> dict[TopicPartition, list[StoredRecord]]:
        batch: dict[TopicPartition, list[StoredRecord]] = {}
        taken = 0
        for tp in tps:
            end = self._end(tp)
            log = self._cluster.logs[tp]
            while self._positions[tp] < end and (limit is None or taken < limit):
                entry = log[self._positions[tp]]
                self._positions[tp] += 1
                record = self._cluster.visible(entry) if self._committed_only else None
                if not self._committed_only and isinstance(entry, StoredRecord):
                    record = entry
                if record is not None:
                    batch.setdefault(tp, []).append(record)
                    taken += 1
        return batch

    async def getmany(
        self, *tps: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[TopicPartition, list[StoredRecord]]:
        self._cluster.check_up()
        await self._join()
        # As in aiokafka, a paused partition yields nothing, asked for by name or not.
        wanted = [tp for tp in (list(tps) or sorted(self._positions)) if tp not in self._paused]
        deadline = asyncio.get_running_loop().time() + timeout_ms / 1000
        while True:
            batch = self._take(wanted, max_records)
            remaining = deadline - asyncio.get_running_loop().time()
            if batch or remaining <= 0:
                return batch
            await self._cluster.wait_for_change(remaining)
            self._cluster.check_up()


@dataclass(frozen=True, slots=True)
class _CreateTopicsResponse:
    topic_errors: list[tuple[str, int, str]]


class MemoryAdmin:
    """The part of ``AIOKafkaAdminClient`` that ``ensure_topics`` uses."""

    def __init__(self, cluster: MemoryCluster) -> None:
        self._cluster = cluster

    async def start(self) -> None:
        self._cluster.check_up()

    async def close(self) -> None:
        return None

    async def list_topics(self) -> list[str]:
        self._cluster.check_up()
        return list(self._cluster.topics)

    async def create_topics(self, new_topics: Sequence[Any]) -> _CreateTopicsResponse:
        self._cluster.check_up()
        errors = []
        for topic in new_topics:
            created = self._cluster.create_topic(topic.name, topic.num_partitions)
            errors.append((topic.name, 0 if created else 36, ""))
        return _CreateTopicsResponse(errors)

    async def describe_configs(self, resources: Sequence[Any]) -> list[Any]:
        # No configs are kept: ensure_topics then reports every existing topic's configs as different, in its log.
        self._cluster.check_up()
        return []


class MemoryKafkaClients(KafkaClients):
    """``KafkaClients`` whose every client talks to one ``MemoryCluster``."""

    cluster: MemoryCluster

    def __init__(self, cluster: MemoryCluster | None = None) -> None:
        super().__init__("memory:9092")
        object.__setattr__(self, "cluster", cluster or MemoryCluster())

    def producer(self, **options: Any) -> Any:
        return MemoryProducer(self.cluster)

    def transactional_producer(self, transactional_id: str, **options: Any) -> Any:
        return MemoryProducer(self.cluster, transactional_id)

    def confluent_transactional_producer(self, transactional_id: str, **options: Any) -> Any:
        # The in-memory cluster speaks aiokafka's API only: a test on it runs the sync with producer="aiokafka"
        # (librdkafka's producer is tested on the real broker). Fail at once rather than time out connecting.
        raise AssertionError(
            f"MemoryKafkaClients has no librdkafka producer ({transactional_id!r}): "
            "use StreamSettings(producer='aiokafka')"
        )

    def committed_consumer(self, *topics: str, group_id: str | None = None, **options: Any) -> Any:
        return MemoryConsumer(
            self.cluster, *topics, group_id=group_id, isolation_level=options.get("isolation_level", "read_committed")
        )

    def group_consumer(self, *topics: str, group_id: str, **options: Any) -> Any:
        return self.committed_consumer(*topics, group_id=group_id, **options)

    def admin(self, **options: Any) -> Any:
        return MemoryAdmin(self.cluster)
