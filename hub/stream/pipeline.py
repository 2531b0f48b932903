"""One sync of one connector, end to end: fetch → map → publish, each batch with its cursor in one transaction.

Order matters on start: the transactional producer starts first (fencing a crashed predecessor and settling the
transaction it left open), then the committed cursor and the connector's own state topic (content hashes, raw
hashes, dead letters, sweep marks: ``hub.stream.sync_state``) are read; so the state read is exactly what was
committed, and the sync resumes right after the last committed batch. Each batch writes its state changes in its
own transaction, so nothing else has to be read to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson
import structlog
from aiokafka import TopicPartition

from hub.config import HubSettings
from hub.connectors.sweep import plan_sweep
from hub.errors import StreamError, SweepRefused
from hub.schema.base import CONTEXT_URL
from hub.stream.kafka import KafkaClients
from hub.stream.map_pool import ConnectorMapper, shared_map_pool
from hub.stream.mapped import MappedRecord
from hub.stream.normalise import BatchPlan, Normaliser
from hub.stream.publisher import OutgoingMessage, TransactionalPublisher, TransactionOutcome
from hub.stream.records import connector_source
from hub.stream.state import CursorRecord, StateTable, encode_state
from hub.stream.sync_state import (
    SyncState,
    load_sync_state,
    mark_messages,
    mark_tombstones,
    meta_message,
    rebuild_sync_state,
    state_messages,
    sweep_mark,
)
from hub.stream.topics import (
    COMPACTED_ENTITY_TYPES,
    ensure_topics,
    hub_topics,
    internal_topic,
    raw_topic_spec,
    sync_state_topic,
    sync_state_topic_spec,
)

if TYPE_CHECKING:
    from hub.connectors.base import Batch, Connector, RawRecord

__all__ = ["SyncProgress", "SyncSummary", "run_sync", "sweep_mark", "transactional_id"]

log = structlog.get_logger(__name__)


@dataclass
class SyncSummary:
    """What one sync did.

    Attributes:
        fetched: verbatim records fetched.
        published: normalised records published (new or changed).
        unchanged: normalised records skipped because their content hash had not changed.
        deleted: records deleted (a deleted event and a tombstone each).
        dead_lettered: records that failed mapping or validation.
        duration: seconds the sync took.
        batches: transactions committed.
        retries: transactions retried after a failure.
        sweep_refused: why a snapshot sweep was refused, if it was.
        written: per partition, the offset after the last message this sync committed; pass it as ``written``
            to ``hub.stream.changes.read_topics`` to read this sync's own records right after it.
        state_read: messages read from the connector's state topic to start (its own records only).
        state_rebuilt: the state was rebuilt from the entity topics (a hub upgraded from before the state topic).
    """

    fetched: int = 0
    published: int = 0
    unchanged: int = 0
    deleted: int = 0
    dead_lettered: int = 0
    duration: float = 0.0
    batches: int = 0
    retries: int = 0
    sweep_refused: str | None = None
    written: dict[TopicPartition, int] = field(default_factory=dict)
    state_read: int = 0
    state_rebuilt: bool = False

    def add(self, plan: BatchPlan) -> None:
        """Count a committed batch."""
        self.fetched += plan.fetched
        self.published += plan.published
        self.unchanged += plan.unchanged
        self.deleted += plan.deleted
        self.dead_lettered += plan.dead_lettered
        self.batches += 1


SyncProgress = Callable[[SyncSummary], None]


def transactional_id(settings: HubSettings, connector_name: str) -> str:
    """The transactional id of a connector's publisher: stable, so a restarted sync fences a crashed one."""
    return f"{settings.stream.topic_prefix}.sync.{connector_name}"


class _Sync:
    def __init__(
        self,
        connector_name: str,
        connector: Connector,
        *,
        settings: HubSettings,
        publisher: TransactionalPublisher,
        cursors: StateTable[CursorRecord],
        state: SyncState,
    ) -> None:
        self.name = connector_name
        self.connector = connector
        self.settings = settings
        self.publisher = publisher
        self.cursors = cursors
        self.own = state
        self.index = state.index
        self.source = connector_source(connector_name)
        self.state = cursors.get(connector_name) or CursorRecord(connector=connector_name)
        self.normaliser = Normaliser(
            settings,
            connector=connector_name,
            source=self.source,
            map_record=connector.map,
            index=state.index,
            raw_index=state.raw,
            dataschema=CONTEXT_URL,
            dead_letters=state.dead_letters,
        )
        self.max_share = float(getattr(connector.config, "max_delete_share", 0.2))
        # Only a snapshot connector sweeps; an incremental one sees changes only, so it keeps no marks.
        self.snapshot = getattr(connector, "sync_mode", "incremental") == "snapshot"
        # Marks not stored in the state topic yet: those a cursor record of an older hub carried over.
        self.pending_seen = set(self.state.sweep_seen) - state.seen
        self.pending_failed = set(self.state.sweep_failed) - state.failed
        self.per_transaction = settings.stream.records_per_transaction
        workers = settings.stream.map_workers
        #: Worker processes mapping this connector's records, when its type allows and the settings ask for them.
        self.map_pool = shared_map_pool(workers) if workers and connector.maps_in_workers else None
        self.mapper = ConnectorMapper.of(connector)
        #: The transaction being committed while the next one is planned (see `run`).
        self.in_flight: asyncio.Task[None] | None = None
        #: The transaction mapped by the worker processes while the next batch is fetched (see `_commit`).
        self.deferred: _Deferred | None = None
        # A sweep under way always has a cursor; with none (reset, or the connector deleted and made again) the
        # snapshot starts over, and what an abandoned sweep saw must not spare records from this one.
        self.abandoned = state.mark_keys if self.state.cursor is None else set()
        if self.abandoned:
            log.info("sync.abandoned_sweep_marks_dropped", connector=connector_name, records=len(state.marks))
            state.clear_marks()

    def _sweep(self, plan: BatchPlan, seen: set[str], failed: set[str], summary: SyncSummary) -> None:
        previous = self.index.live_from(self.source, COMPACTED_ENTITY_TYPES)
        # Records that failed mapping this time still exist on the platform: keep what they mapped to before.
        kept = {iri for iri in previous if (entry := self.index.get(iri)) and entry.raw_key in failed}
        seen_iris = {iri for iri in previous if sweep_mark(iri) in seen}
        try:
            gone = plan_sweep(previous, seen_iris | kept, self.max_share)
        except SweepRefused as exc:
            # A refusal is an expected outcome with its own message, not a crash: no traceback.
            log.error("sync.sweep_refused", connector=self.name, reason=str(exc))  # noqa: TRY400
            summary.sweep_refused = str(exc)
            return
        self.normaliser.plan_deletions(plan, gone, platform=self.connector.platform)

    def _verifier(self, staged: _Staged) -> Callable[[], Awaitable[TransactionOutcome]]:
        """Whether ``staged``'s transaction committed, told by the cursor (for a commit whose answer was lost)."""

        async def verify() -> TransactionOutcome:
            await self.cursors.refresh(settle=True)
            current = self.cursors.get(self.name)
            batches = current.batches if current is not None else 0
            if batches == staged.cursor.batches:
                return TransactionOutcome.COMMITTED
            if batches == staged.before:
                return TransactionOutcome.NOT_COMMITTED
            raise StreamError(
                f"the cursor of connector {self.name!r} is at batch {batches}, neither {staged.before} nor "
                f"{staged.cursor.batches}: another process is syncing it; stop one of them"
            )

        return verify

    def _marks(self, plan: BatchPlan, batch_number: int, complete: bool, summary: SyncSummary) -> list[OutgoingMessage]:
        """The sweep's marks for this batch (stored in the state topic), or, when it completes, the sweep itself."""
        own = self.own
        new_seen = {sweep_mark(iri) for iri in plan.seen} | self.pending_seen
        new_failed = set(plan.failed_raw_keys) | self.pending_failed
        if complete:
            self._sweep(plan, own.seen | new_seen, own.failed | new_failed, summary)
            return mark_tombstones(own.topic, own.mark_keys)
        return mark_messages(own.topic, batch_number, new_seen - own.seen, new_failed - own.failed)

    def _apply_marks(self, messages: list[OutgoingMessage], complete: bool) -> None:
        own = self.own
        self.pending_seen, self.pending_failed = set(), set()
        if complete:
            own.clear_marks()
            return
        for message in messages:
            if message.key is not None and message.value is not None:
                value = orjson.loads(message.value)
                own.add_marks(message.key.decode(), value["seen"], value["failed"])

    async def run(self, summary: SyncSummary, progress: SyncProgress | None) -> None:
        """Fetch, and commit the fetched batches in transactions of at least ``records_per_transaction`` records.

        With the default 1 each fetched batch is its own transaction. Above 1 small pages are merged, because each
        transaction costs the broker a round of markers whatever its size; a batch is never split, since its
        cursor is only valid after its last record. A failing fetch first commits what was fetched before it, so
        those batches stay committed, as they would unmerged.

        One transaction is in flight at a time, and the next is fetched and planned while it commits: the
        broker's round trips then overlap the hub's own work instead of adding to it. Transactions still commit
        one after another, in order, each only once the one before it has.
        """
        records: list[RawRecord] = []
        last: Batch | None = None
        batches = aiter(self.connector.fetch(self.state.cursor))
        try:
            while True:
                try:
                    batch = await anext(batches)
                except StopAsyncIteration:
                    break
                except Exception:
                    if last is not None:
                        await self._commit(records, last, summary, progress)
                    await self._drain(summary, progress)
                    raise
                records.extend(batch.records)
                last = batch
                sweeps = batch.snapshot_complete and self.snapshot
                if self.per_transaction <= 1 or len(records) >= self.per_transaction or sweeps:
                    await self._commit(records, batch, summary, progress)
                    records, last = [], None
            if last is not None:
                await self._commit(records, last, summary, progress)
            await self._drain(summary, progress)
        finally:
            # Leaving early (an error, a cancellation): the transaction in flight is stopped, and its own outcome,
            # already raised or superseded by what is leaving, is collected so that it is not reported twice.
            if self.deferred is not None and self.deferred.mapping is not None:
                self.deferred.mapping.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await self.deferred.mapping
            if self.in_flight is not None:
                self.in_flight.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await self.in_flight

    async def _commit(
        self, records: list[RawRecord], batch: Batch, summary: SyncSummary, progress: SyncProgress | None
    ) -> None:
        """Take ``records`` as one transaction: staged now, or, mapped by workers, once the next batch is fetched.

        With worker processes the records' mapping starts at once and the transaction before them is staged and
        sent meanwhile; the sync then fetches the next batch while the workers map these. Without, they are
        mapped and staged here, now. Either way each transaction is sent once the one before it has committed.
        """
        mapping = asyncio.create_task(self.map_pool.map(self.mapper, records)) if self.map_pool else None
        await self._stage_deferred(summary, progress)
        self.deferred = _Deferred(records, batch, mapping)
        if mapping is None:
            await self._stage_deferred(summary, progress)

    async def _stage_deferred(self, summary: SyncSummary, progress: SyncProgress | None) -> None:
        """Stage the deferred transaction, if any, and send it once the transaction in flight has committed."""
        if self.deferred is None:
            return
        deferred, self.deferred = self.deferred, None
        mapped = None
        if deferred.mapping is not None:
            mapped = await deferred.mapping
            if mapped is None:
                log.warning("sync.mapping_in_process", connector=self.name, records=len(deferred.records))
        staged = self._stage(deferred.records, deferred.batch, summary, mapped)
        await self._settle()
        self.in_flight = asyncio.create_task(self._send(staged, summary, progress))

    async def _drain(self, summary: SyncSummary, progress: SyncProgress | None) -> None:
        """Stage and send what is deferred, and wait until every transaction taken has committed."""
        await self._stage_deferred(summary, progress)
        await self._settle()

    async def _settle(self) -> None:
        """Wait for the transaction in flight to commit (its error, if any, raises here)."""
        if self.in_flight is not None:
            await self.in_flight

    def _stage(
        self, records: list[RawRecord], batch: Batch, summary: SyncSummary, mapped: list[MappedRecord] | None
    ) -> _Staged:
        """Plan ``records`` with ``batch``'s cursor as one transaction, and take it as committed for what follows.

        ``batch`` is the last of the fetched batches merged into ``records``: its cursor is the one after them all.
        The change-detection state, the sweep's marks and the cursor move on at once, so the next batch is planned
        against this one while it commits. Should it not commit, the sync fails and this in-memory state is dropped
        with it; the next sync starts again from what Kafka holds.
        """
        plan = self.normaliser.plan(records, mapped)
        number = self.state.batches + 1
        complete = batch.snapshot_complete and self.snapshot
        marks = self._marks(plan, number, complete, summary) if self.snapshot else []
        marks.extend(mark_tombstones(self.own.topic, self.abandoned))
        changes = state_messages(self.own.topic, plan, self.index, self.own.raw, self.own.dead_letters)
        if not self.own.complete:
            changes.append(meta_message(self.own.topic))
        cursor = CursorRecord(
            connector=self.name,
            cursor=batch.cursor,
            batches=number,
            records=self.state.records + len(records),
        )
        cursor_message = OutgoingMessage(self.cursors.topic, self.name.encode(), encode_state(cursor))
        staged = _Staged(plan, [*plan.messages, *changes, *marks, cursor_message], cursor)
        plan.commit_to(self.index, self.own.raw, self.own.dead_letters)
        self.own.complete = True
        self.abandoned = set()
        if self.snapshot:
            self._apply_marks(marks, complete)
        self.state = cursor
        return staged

    async def _send(self, staged: _Staged, summary: SyncSummary, progress: SyncProgress | None) -> None:
        """Publish a staged transaction, then count it and report progress."""
        await self.publisher.publish(staged.messages, verify=self._verifier(staged))
        plan = staged.plan
        summary.add(plan)
        summary.retries = self.publisher.retries
        summary.written = dict(self.publisher.written)
        log.info(
            "sync.batch_committed",
            connector=self.name,
            batch=staged.cursor.batches,
            records=plan.fetched,
            published=plan.published,
            deleted=plan.deleted,
            dead_lettered=plan.dead_lettered,
        )
        if progress is not None:
            progress(summary)


@dataclass(frozen=True)
class _Staged:
    """One transaction, planned: its plan, its messages (the cursor last) and the cursor after it."""

    plan: BatchPlan
    messages: list[OutgoingMessage]
    cursor: CursorRecord

    @property
    def before(self) -> int:
        """The cursor's batch count before this transaction."""
        return self.cursor.batches - 1


@dataclass(frozen=True)
class _Deferred:
    """A transaction not staged yet: its records, its last batch, and its mapping by the workers (None: here)."""

    records: list[RawRecord]
    batch: Batch
    mapping: asyncio.Task[list[MappedRecord] | None] | None


_REBUILD_MESSAGES_PER_TRANSACTION = 5000


async def _start_state(
    kafka: KafkaClients,
    settings: HubSettings,
    publisher: TransactionalPublisher,
    cursor: CursorRecord | None,
    state: SyncState,
    name: str,
    connector: Connector,
) -> tuple[SyncState, bool]:
    """The connector's state as read from its own topic, or rebuilt once from the entity topics after an upgrade.

    Returns the state and whether it was rebuilt.
    """
    topic = state.topic
    synced_before = cursor is not None and cursor.batches > 0
    if state.complete or (state.empty and not synced_before):
        log.info("sync.state_loaded", connector=name, topic=topic, read=state.read, live=len(state.index.entries))
        return state, False
    # The connector synced before this hub kept its state topic (or a rebuild was cut short): rebuild it once.
    log.warning(
        "sync.state_rebuilding",
        connector=name,
        topic=topic,
        reason="the connector's state topic is incomplete; reading the entity, raw and dead-letter topics once",
    )
    rebuilt, messages = await rebuild_sync_state(kafka, settings, state, connector=name, platform=connector.platform)
    step = _REBUILD_MESSAGES_PER_TRANSACTION
    for start in range(0, len(messages), step):
        # Keyed records on a compacted topic: a retried transaction that had committed after all rewrites the same.
        await publisher.publish(messages[start : start + step])
    rebuilt.read = state.read
    log.warning(
        "sync.state_rebuilt",
        connector=name,
        topic=topic,
        live=len(rebuilt.index.entries),
        raw=len(rebuilt.raw.hashes),
        dead_letters=len(rebuilt.dead_letters),
    )
    return rebuilt, True


@asynccontextmanager
async def _cursors_and_state(
    kafka: KafkaClients, settings: HubSettings, name: str, state_topic: str
) -> AsyncIterator[tuple[StateTable[CursorRecord], SyncState]]:
    """The cursors table, started, and the connector's state topic, read: side by side, after the producer's start.

    The two reads are independent, so a sync start waits for the slower of them rather than for both in turn
    (each starts a consumer and settles open transactions, about 0.15-0.2 s on a quiet cluster). Both come after
    the transactional producer started, which fences a crashed predecessor and settles its transaction first.
    """
    cursors = StateTable(kafka, internal_topic(settings, "cursors"), CursorRecord)
    try:
        # return_exceptions: neither read is left running if the other fails; the first failure is raised.
        started, loaded = await asyncio.gather(
            cursors.start(), load_sync_state(kafka, state_topic, connector_source(name)), return_exceptions=True
        )
        if isinstance(started, BaseException):
            raise started
        if isinstance(loaded, BaseException):
            raise loaded
        yield cursors, loaded
    finally:
        await cursors.stop()


async def run_sync(
    connector_name: str,
    connector: Connector,
    *,
    kafka: KafkaClients,
    settings: HubSettings,
    progress: SyncProgress | None = None,
) -> SyncSummary:
    """Run one connector end to end and return what it did.

    It writes no status: its caller (the scheduler, or ``hub sync``) owns the connector's status and run history,
    and follows the run through ``progress``.

    Each batch the connector fetches is mapped and published with its raw records, its dead letters and the
    cursor after it in one Kafka transaction; a crash at any point leaves either the whole batch with its cursor
    or neither, and the next run resumes from the committed cursor.

    Args:
        connector_name: the configured connector's name (key of its cursor, source of its events).
        connector: the connector instance (see :func:`hub.stream.registry.connector_from_record`).
        kafka: the Kafka cluster.
        settings: the hub's settings (topic layout).
        progress: called after each committed batch with the running totals.

    Raises:
        StreamError: Kafka refused the batch after retries, or another process syncs the same connector.
        ConnectorError: the connector failed; batches committed before the failure stay committed.
    """
    clock = time.monotonic()
    summary = SyncSummary()
    state_topic = sync_state_topic(settings, connector_name)
    await ensure_topics(
        kafka,
        [
            *hub_topics(settings),
            raw_topic_spec(settings, connector.platform),
            sync_state_topic_spec(settings, connector_name),
        ],
        settings,
    )
    publisher = TransactionalPublisher(
        kafka,
        transactional_id(settings, connector_name),
        give_up_after_s=settings.stream.publish_give_up_s,
        client=settings.stream.producer,
        linger_ms=settings.stream.linger_ms,
        max_batch_size=settings.stream.max_batch_size,
    )
    async with publisher:
        try:
            async with _cursors_and_state(kafka, settings, connector_name, state_topic) as (cursors, loaded):
                state, summary.state_rebuilt = await _start_state(
                    kafka, settings, publisher, cursors.get(connector_name), loaded, connector_name, connector
                )
                summary.state_read = state.read
                sync = _Sync(
                    connector_name,
                    connector,
                    settings=settings,
                    publisher=publisher,
                    cursors=cursors,
                    state=state,
                )
                if sync.map_pool is not None:
                    await sync.map_pool.start()
                await sync.run(summary, progress)
        finally:
            summary.duration = time.monotonic() - clock
    log.info("sync.finished", connector=connector_name, **{k: v for k, v in summary.__dict__.items() if k != "written"})
    return summary
