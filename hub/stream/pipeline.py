"""One sync of one connector, end to end: fetch → map → publish, each batch with its cursor in one transaction.

Order matters on start: the transactional producer starts first (fencing a crashed predecessor and settling the
transaction it left open), then the committed cursor and content hashes are read; so the state read is exactly
what was committed, and the sync resumes right after the last committed batch.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog
from aiokafka import TopicPartition

from hub.config import HubSettings
from hub.connectors.sweep import plan_sweep
from hub.errors import StreamError, SweepRefused
from hub.schema.base import CONTEXT_URL
from hub.stream.changes import HashIndex, RawIndex, load_dead_letters
from hub.stream.kafka import KafkaClients
from hub.stream.normalise import BatchPlan, Normaliser
from hub.stream.publisher import OutgoingMessage, TransactionalPublisher, TransactionOutcome
from hub.stream.records import connector_source
from hub.stream.state import CursorRecord, StateTable, encode_state
from hub.stream.topics import (
    COMPACTED_ENTITY_TYPES,
    dlq_topic,
    ensure_topics,
    hub_topics,
    internal_topic,
    raw_topic,
    raw_topic_spec,
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

    def add(self, plan: BatchPlan) -> None:
        """Count a committed batch."""
        self.fetched += plan.fetched
        self.published += plan.published
        self.unchanged += plan.unchanged
        self.deleted += plan.deleted
        self.dead_lettered += plan.dead_lettered
        self.batches += 1


SyncProgress = Callable[[SyncSummary], None]


def sweep_mark(iri: str) -> str:
    """The short mark a sweep in progress keeps for a record it saw (stored in the cursor record).

    48 bits of SHA-256 keep the cursor record at about 13 bytes per record; a collision (odds about 1e-5 for a
    hundred thousand records) could only spare one record from a deletion, never delete one.
    """
    return hashlib.sha256(iri.encode()).hexdigest()[:12]


def transactional_id(settings: HubSettings, connector_name: str) -> str:
    """The transactional id of a connector's publisher: stable, so a restarted sync fences a crashed one."""
    return f"{settings.stream.topic_prefix}.sync.{connector_name}"


class _Sync:
    def __init__(
        self,
        connector_name: str,
        connector: Connector,
        *,
        kafka: KafkaClients,
        settings: HubSettings,
        publisher: TransactionalPublisher,
        cursors: StateTable[CursorRecord],
        index: HashIndex,
        raw_index: RawIndex,
        dead_letters: dict[str, str],
    ) -> None:
        self.name = connector_name
        self.connector = connector
        self.settings = settings
        self.publisher = publisher
        self.cursors = cursors
        self.index = index
        self.raw_index = raw_index
        self.dead_letters = dead_letters
        self.source = connector_source(connector_name)
        self.state = cursors.get(connector_name) or CursorRecord(connector=connector_name)
        self.normaliser = Normaliser(
            settings,
            connector=connector_name,
            source=self.source,
            map_record=connector.map,
            index=index,
            raw_index=raw_index,
            dataschema=CONTEXT_URL,
            dead_letters=dead_letters,
        )
        self.max_share = float(getattr(connector.config, "max_delete_share", 0.2))
        # Only a snapshot connector sweeps; an incremental one sees changes only, so it keeps no marks.
        self.snapshot = getattr(connector, "sync_mode", "incremental") == "snapshot"
        self.per_transaction = settings.stream.records_per_transaction
        self.seen: set[str] = set()
        self.failed: set[str] = set()

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

    async def _publish(self, plan: BatchPlan, new_state: CursorRecord) -> None:
        cursor_message = OutgoingMessage(self.cursors.topic, self.name.encode(), encode_state(new_state))
        before = self.state.batches

        async def verify() -> TransactionOutcome:
            await self.cursors.refresh(settle=True)
            current = self.cursors.get(self.name)
            batches = current.batches if current is not None else 0
            if batches == new_state.batches:
                return TransactionOutcome.COMMITTED
            if batches == before:
                return TransactionOutcome.NOT_COMMITTED
            raise StreamError(
                f"the cursor of connector {self.name!r} is at batch {batches}, neither {before} nor "
                f"{new_state.batches}: another process is syncing it; stop one of them"
            )

        await self.publisher.publish([*plan.messages, cursor_message], verify=verify)

    async def run(self, summary: SyncSummary, progress: SyncProgress | None) -> None:
        """Fetch, and commit the fetched batches in transactions of at least ``records_per_transaction`` records.

        With the default 1 each fetched batch is its own transaction. Above 1 small pages are merged, because each
        transaction costs the broker a round of markers whatever its size; a batch is never split, since its
        cursor is only valid after its last record. A failing fetch first commits what was fetched before it, so
        those batches stay committed, as they would unmerged.
        """
        self.seen = set(self.state.sweep_seen)
        self.failed = set(self.state.sweep_failed)
        records: list[RawRecord] = []
        last: Batch | None = None
        batches = aiter(self.connector.fetch(self.state.cursor))
        while True:
            try:
                batch = await anext(batches)
            except StopAsyncIteration:
                break
            except Exception:
                if last is not None:
                    await self._commit(records, last, summary, progress)
                raise
            records.extend(batch.records)
            last = batch
            sweeps = batch.snapshot_complete and self.snapshot
            if self.per_transaction <= 1 or len(records) >= self.per_transaction or sweeps:
                await self._commit(records, batch, summary, progress)
                records, last = [], None
        if last is not None:
            await self._commit(records, last, summary, progress)

    async def _commit(
        self, records: list[RawRecord], batch: Batch, summary: SyncSummary, progress: SyncProgress | None
    ) -> None:
        """Publish ``records`` with ``batch``'s cursor (the cursor after the last of them) in one transaction."""
        plan = self.normaliser.plan(records)
        if self.snapshot:
            self.seen |= {sweep_mark(iri) for iri in plan.seen}
            self.failed |= plan.failed_raw_keys
        if batch.snapshot_complete and self.snapshot:
            self._sweep(plan, self.seen, self.failed, summary)
            self.seen, self.failed = set(), set()
        new_state = CursorRecord(
            connector=self.name,
            cursor=batch.cursor,
            sweep_seen=sorted(self.seen),
            sweep_failed=sorted(self.failed),
            batches=self.state.batches + 1,
            records=self.state.records + len(records),
        )
        await self._publish(plan, new_state)
        plan.commit_to(self.index, self.raw_index, self.dead_letters)
        self.state = new_state
        summary.add(plan)
        summary.retries = self.publisher.retries
        summary.written = dict(self.publisher.written)
        log.info(
            "sync.batch_committed",
            connector=self.name,
            batch=new_state.batches,
            records=plan.fetched,
            published=plan.published,
            deleted=plan.deleted,
            dead_lettered=plan.dead_lettered,
        )
        if progress is not None:
            progress(summary)


async def _load_state(
    kafka: KafkaClients, settings: HubSettings, connector_name: str, platform: str
) -> tuple[HashIndex, RawIndex, dict[str, str]]:
    """The content hashes, the verbatim hashes and the dead letters, read at once rather than one after another.

    Each is a read of its own topics to their end, mostly waiting on the broker; concurrently a sync starts
    (and a change reaches its partners) sooner. If one read fails the others are cancelled, and its error is
    raised as it is.
    """
    hashes = asyncio.ensure_future(HashIndex.load(kafka, settings))
    raw = asyncio.ensure_future(RawIndex.load(kafka, raw_topic(settings, platform)))
    dead = asyncio.ensure_future(load_dead_letters(kafka, dlq_topic(settings), connector_name))
    try:
        await asyncio.gather(hashes, raw, dead)
    except BaseException:
        for task in (hashes, raw, dead):
            task.cancel()
        await asyncio.gather(hashes, raw, dead, return_exceptions=True)
        raise
    return hashes.result(), raw.result(), dead.result()


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
    await ensure_topics(kafka, [*hub_topics(settings), raw_topic_spec(settings, connector.platform)], settings)
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
            async with StateTable(kafka, internal_topic(settings, "cursors"), CursorRecord) as cursors:
                index, raw_index, dead_letters = await _load_state(kafka, settings, connector_name, connector.platform)
                sync = _Sync(
                    connector_name,
                    connector,
                    kafka=kafka,
                    settings=settings,
                    publisher=publisher,
                    cursors=cursors,
                    index=index,
                    raw_index=raw_index,
                    dead_letters=dead_letters,
                )
                await sync.run(summary, progress)
        finally:
            summary.duration = time.monotonic() - clock
    log.info("sync.finished", connector=connector_name, **{k: v for k, v in summary.__dict__.items() if k != "written"})
    return summary
