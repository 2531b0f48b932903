"""Runs each connector on its schedule: never two runs of one connector at once, backoff after failures.

The scheduler owns the connectors its ``owns`` predicate accepts (all of them in ``hub up``; the share of the
worker group in ``hub worker``), reads their configs and the API's commands from the state tables, runs each
due connector as its own task, and writes each connector's state to the status topic and its own heartbeat to
the workers topic. A run that fails is retried after ``backoff_initial_s``, doubling up to ``backoff_max_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from croniter import croniter

from hub.api.keys import Registry
from hub.api.metrics import HubMetrics
from hub.api.problems import plain_traceback
from hub.api.secrets import MASK, secret_fields
from hub.api.status import HEARTBEAT_INTERVAL_S, ConnectorStatus, WorkerRecord
from hub.config import ApiSettings
from hub.connectors.base import Connector
from hub.errors import HubError
from hub.stream.pipeline import SyncProgress, SyncSummary
from hub.stream.state import ConnectorRecord

__all__ = ["RunConnector", "Scheduler", "next_run_after"]

log = structlog.get_logger(__name__)

RunConnector = Callable[[ConnectorRecord, SyncProgress], Awaitable[SyncSummary]]
"""Runs one sync of a connector (``hub.worker.run.kafka_runner`` in the hub; fakes in tests)."""

Clock = Callable[[], datetime]
_MAX_ERROR_CHARS = 2000


def _utc_now() -> datetime:
    return datetime.now(UTC)


def next_run_after(record: ConnectorRecord, started_at: datetime, now: datetime) -> datetime:
    """When a connector that last started at ``started_at`` runs next: interval from the start, or next cron."""
    if record.cron:
        result: datetime = croniter(record.cron, now).get_next(datetime)
        return result
    interval = timedelta(seconds=record.schedule_interval_s or 3600.0)
    return max(started_at + interval, now)


@dataclass
class _Slot:
    """What the scheduler tracks for one connector it owns."""

    record: ConnectorRecord
    status: ConnectorStatus
    next_run_at: datetime
    handled_sync_at: datetime | None = None
    handled_restart_at: datetime | None = None
    task: asyncio.Task[None] | None = None
    failures: int = 0
    #: The running totals of the run in progress, as its last committed batch left them.
    live: SyncSummary | None = None
    live_written: int = field(default=-1)


class Scheduler:
    """Schedules and runs the connectors this process owns.

    Example:
        scheduler = Scheduler(registry, runner, settings=settings.api, worker_id="w1")
        async with scheduler:
            await stop.wait()
    """

    def __init__(
        self,
        registry: Registry,
        run: RunConnector,
        *,
        settings: ApiSettings,
        worker_id: str,
        owns: Callable[[str], bool] | None = None,
        connector_types: Mapping[str, type[Connector]] | None = None,
        metrics: HubMetrics | None = None,
        clock: Clock = _utc_now,
        tick_s: float = 1.0,
        reveal: Callable[[ConnectorRecord], ConnectorRecord] | None = None,
    ) -> None:
        self.registry = registry
        self.worker_id = worker_id
        self._run = run
        self._settings = settings
        self._owns = owns or (lambda name: True)
        self._types = connector_types or {}
        self._metrics = metrics
        self._clock = clock
        self._tick_s = tick_s
        # Stored records hold their secrets encrypted; an error text holds them in clear, so scrubbing needs them.
        self._reveal = reveal or (lambda record: record)
        self._slots: dict[str, _Slot] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._last_heartbeat = 0.0
        self._wake = asyncio.Event()

    @property
    def running(self) -> set[str]:
        """Connectors with a run in progress in this process."""
        return {name for name, slot in self._slots.items() if slot.task is not None}

    @property
    def owned(self) -> set[str]:
        """Connectors this scheduler currently owns."""
        return set(self._slots)

    async def start(self) -> None:
        """Start scheduling in the background (idempotent)."""
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name=f"scheduler-{self.worker_id}")

    async def stop(self) -> None:
        """Stop scheduling, cancel running syncs (their open transactions abort) and say so (idempotent)."""
        task, self._loop_task = self._loop_task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for name in list(self._slots):
            await self._release(name)
        with contextlib.suppress(Exception):
            await self._heartbeat(force=True, stopped=True)

    async def __aenter__(self) -> Scheduler:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def release_unowned(self) -> None:
        """Stop the runs of connectors this worker no longer owns, and say so in the heartbeat at once.

        The worker group awaits this before completing a rebalance, so a connector is never run by two workers.
        """
        for name in [name for name in self._slots if not self._owns(name)]:
            await self._release(name)
        if self._loop_task is not None:
            # A stopped scheduler has already said so; a heartbeat now would make it look alive again.
            await self._heartbeat(force=True)
        self.poke()

    async def wait_idle(self) -> None:
        """Wait until no run is in progress (for tests and orderly shutdowns)."""
        while tasks := [slot.task for slot in self._slots.values() if slot.task is not None]:
            await asyncio.wait(tasks)

    def poke(self) -> None:
        """Re-check now instead of at the next tick (e.g. after the worker group changed)."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - logged below, without locals
                # One bad pass (Kafka briefly away) must not end scheduling; the next tick tries again. No exc_info:
                # the JSON renderer would log frame locals, and they hold connector configs with their secrets.
                log.error(  # noqa: TRY400 - exc_info logs locals
                    "scheduler.tick_failed", worker=self.worker_id, traceback=self._scrub_all(plain_traceback(exc))
                )
            self._wake.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as the
            # event fires (a poke during stop), and stop() would then wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._tick_s):
                    await self._wake.wait()

    async def tick(self) -> None:
        """One pass: catch up with configs and commands, drop what is no longer ours, start what is due."""
        await self.registry.connectors.refresh()
        await self.registry.commands.refresh()
        records = {name: record for name, record in self.registry.connectors.items() if self._owns(name)}
        for name in set(self._slots) - set(records):
            await self._release(name, deleted=self.registry.connectors.get(name) is None)
        now = self._clock()
        if any(
            name not in self._slots or self._slots[name].record.created_at != r.created_at
            for name, r in records.items()
        ):
            # One read of the status table for every connector adopted in this pass, not one per connector.
            await self.registry.status.refresh()
        due: list[_Slot] = []
        for name, record in records.items():
            previous = self._slots.get(name)
            if previous is not None and previous.record.created_at != record.created_at:
                # Deleted and registered again under the same name: a new connector, not a changed one.
                await self._release(name)
            slot = self._slots.get(name) or self._adopt(record, now)
            slot.record = record
            if record.paused:
                await self._pause(slot)
                continue
            self._apply_commands(slot, now)
            if slot.task is None and now >= slot.next_run_at:
                due.append(slot)
            elif slot.task is not None:
                await self._write_live(slot)
        self._start_due(due)
        await self._heartbeat()

    def _start_due(self, due: list[_Slot]) -> None:
        """Start due runs, the longest overdue first, up to ``max_concurrent_runs`` in progress at once.

        Starting every due connector at once (a worker adopting hundreds) makes each run's producer start and
        handshake compete with all the others and with the heartbeat, so none finishes soon; a bounded number in
        flight finishes sooner in total. The others stay due and start as runs finish (a finished run wakes the
        loop).
        """
        free = self._settings.max_concurrent_runs - len(self.running)
        waiting = sorted(due, key=lambda slot: slot.next_run_at)
        for slot in waiting[: max(free, 0)]:
            slot.task = asyncio.create_task(self._run_once(slot), name=f"sync-{slot.record.name}")
        if len(waiting) > free:
            log.debug("scheduler.runs_waiting", worker=self.worker_id, waiting=len(waiting) - max(free, 0))

    def _adopt(self, record: ConnectorRecord, now: datetime) -> _Slot:
        """Take a connector over, carrying on from the status its previous owner wrote (``tick`` refreshed it)."""
        previous = self.registry.status.get(record.name)
        if previous is not None and previous.started_at is not None and previous.started_at < record.created_at:
            previous = None  # the status of an earlier connector of this name, deleted since
        status = (
            ConnectorStatus.model_validate(previous.model_dump())
            if previous is not None
            else ConnectorStatus(connector=record.name, state="idle")
        )
        status = status.model_copy(update={"worker": self.worker_id})
        started = status.started_at
        # A run that was under way when its owner died is run again at once, a failed one after its backoff;
        # otherwise the schedule holds.
        if started is None or status.state == "running":
            next_run = now
        elif status.state == "failed":
            next_run = status.next_run_at or now
        else:
            next_run = next_run_after(record, started, now)
        command = self.registry.commands.get(record.name)
        slot = _Slot(record=record, status=status, next_run_at=next_run, failures=status.consecutive_failures)
        if command is not None and started is not None:
            # Commands older than the last run were handled by the previous owner.
            if command.sync_requested_at and command.sync_requested_at <= started:
                slot.handled_sync_at = command.sync_requested_at
            if command.restart_requested_at and command.restart_requested_at <= started:
                slot.handled_restart_at = command.restart_requested_at
        self._slots[record.name] = slot
        log.info("scheduler.adopted", connector=record.name, worker=self.worker_id, next_run_at=next_run.isoformat())
        return slot

    def _apply_commands(self, slot: _Slot, now: datetime) -> None:
        command = self.registry.commands.get(slot.record.name)
        if command is None:
            return
        restart = command.restart_requested_at
        if restart is not None and (slot.handled_restart_at is None or restart > slot.handled_restart_at):
            slot.handled_restart_at = restart
            slot.failures = 0
            slot.next_run_at = now
            if slot.task is not None:
                slot.task.cancel()  # the cancelled run clears slot.task itself; the next tick starts a new one
            log.info("scheduler.restart_requested", connector=slot.record.name)
        sync = command.sync_requested_at
        if sync is not None and (slot.handled_sync_at is None or sync > slot.handled_sync_at):
            slot.handled_sync_at = sync
            if slot.task is None:
                slot.next_run_at = now
            log.info("scheduler.sync_requested", connector=slot.record.name, already_running=slot.task is not None)

    async def _pause(self, slot: _Slot) -> None:
        await self._cancel(slot)
        if slot.status.state != "paused":
            await self._write(slot, state="paused")

    async def _cancel(self, slot: _Slot) -> None:
        task, slot.task = slot.task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _release(self, name: str, *, deleted: bool = False) -> None:
        """Stop running ``name`` here: it was deleted, or the group gave it to another worker.

        For a deleted connector, the status and (unless the API was asked to keep it) the cursor are deleted once
        more after the run stopped: a batch that committed after the API's delete would have written them again.
        """
        slot = self._slots.pop(name, None)
        if slot is None:
            return
        await self._cancel(slot)
        log.info("scheduler.released", connector=name, worker=self.worker_id, deleted=deleted)
        command = self.registry.commands.get(name)
        if deleted and command is not None and command.deleted_at is not None:
            await self.registry.status.put(name, None)
            if not command.keep_cursor:
                await self.registry.cursors.put(name, None)
            await self.registry.commands.put(name, None)

    async def _write(self, slot: _Slot, **changes: object) -> None:
        slot.status = slot.status.model_copy(
            update={**changes, "worker": self.worker_id, "updated_at": self._clock(), "next_run_at": slot.next_run_at}
        )
        await self.registry.status.put(slot.record.name, slot.status)

    @staticmethod
    def _counts(summary: SyncSummary) -> dict[str, object]:
        return {
            "fetched": summary.fetched,
            "published": summary.published,
            "unchanged": summary.unchanged,
            "deleted": summary.deleted,
            "dead_lettered": summary.dead_lettered,
        }

    async def _write_live(self, slot: _Slot) -> None:
        """Show a running connector's counts so far (once per committed batch, at most once per tick)."""
        live = slot.live
        if live is None or live.batches == slot.live_written or slot.status.state != "running":
            return
        slot.live_written = live.batches
        await self._write(slot, **self._counts(live))

    def _scrub(self, record: ConnectorRecord, text: str, *, limit: int = _MAX_ERROR_CHARS) -> str:
        """The text without any of the connector's secrets (an exception may quote a URL or a header)."""
        model = self._types.get(record.type)
        with contextlib.suppress(HubError):
            # A key the hub lacks: the run failed before the secrets were opened, so no error can quote them.
            record = self._reveal(record)
        for name in secret_fields(model.config_model if model else None, record.config):
            value = record.config.get(name)
            if isinstance(value, str) and value:
                text = text.replace(value, MASK)
        return text[:limit]

    def _scrub_all(self, text: str) -> str:
        for slot in self._slots.values():
            text = self._scrub(slot.record, text, limit=len(text))
        return text

    async def _run_once(self, slot: _Slot) -> None:
        record = slot.record
        started = self._clock()
        clock = time.monotonic()
        empty = SyncSummary()
        slot.live, slot.live_written = empty, 0
        await self._write(slot, state="running", started_at=started, finished_at=None, **self._counts(empty))

        def progress(summary: SyncSummary) -> None:
            # Called after each committed batch; the scheduler's tick writes it, so this callback never blocks.
            slot.live = summary
            self._wake.set()

        outcome = "failed"
        try:
            summary = await self._run(record, progress)
        except asyncio.CancelledError:
            outcome = "cancelled"
            slot.task = None
            state = "paused" if slot.record.paused else "idle"
            committed = self._counts(slot.live) if slot.live is not None else {}
            with contextlib.suppress(Exception):
                # What the cancelled run committed stays committed: say so, not the previous run's counts.
                await asyncio.shield(self._write(slot, state=state, finished_at=self._clock(), **committed))
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a run raises, the connector is failed and retried
            slot.failures += 1
            backoff = min(self._settings.backoff_initial_s * 2 ** (slot.failures - 1), self._settings.backoff_max_s)
            now = self._clock()
            slot.next_run_at = now + timedelta(seconds=backoff)
            error = self._scrub(record, f"{type(exc).__name__}: {exc}")
            log.warning("scheduler.run_failed", connector=record.name, error=error, retry_in_s=backoff)
            await self._write(
                slot,
                **(self._counts(slot.live) if slot.live is not None else {}),
                state="failed",
                finished_at=now,
                error=error,
                last_error_at=now,
                consecutive_failures=slot.failures,
                last_duration_s=time.monotonic() - clock,
            )
        else:
            outcome = "succeeded"
            slot.failures = 0
            now = self._clock()
            slot.next_run_at = next_run_after(record, started, now)
            status = slot.status
            await self._write(
                slot,
                state="degraded" if summary.dead_lettered else "idle",
                finished_at=now,
                error=None,
                fetched=summary.fetched,
                published=summary.published,
                unchanged=summary.unchanged,
                deleted=summary.deleted,
                dead_lettered=summary.dead_lettered,
                last_success_at=now,
                last_record_at=now if summary.published or summary.deleted else status.last_record_at,
                consecutive_failures=0,
                last_duration_s=time.monotonic() - clock,
                fetched_total=status.fetched_total + summary.fetched,
                published_total=status.published_total + summary.published,
                dead_lettered_total=status.dead_lettered_total + summary.dead_lettered,
            )
            log.info("scheduler.run_finished", connector=record.name, published=summary.published)
        finally:
            if outcome != "cancelled":
                slot.task = None
            if self._metrics is not None:
                self._metrics.sync_duration.labels(record.name, outcome).observe(time.monotonic() - clock)
            self._wake.set()

    async def _heartbeat(self, *, force: bool = False, stopped: bool = False) -> None:
        if not force and time.monotonic() - self._last_heartbeat < HEARTBEAT_INTERVAL_S:
            return
        self._last_heartbeat = time.monotonic()
        record = WorkerRecord(
            id=self.worker_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            heartbeat_at=self._clock(),
            connectors=sorted(self._slots),
            stopped=stopped,
        )
        await self.registry.workers.put(self.worker_id, record)
