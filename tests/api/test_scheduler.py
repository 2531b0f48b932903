"""The scheduler: schedules, one run at a time per connector, backoff, commands, pause, takeover, heartbeats."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from hub.api.keys import Registry
from hub.api.status import CommandRecord, ConnectorStatus
from hub.config import ApiSettings
from hub.errors import FatalConnectorError, RetriableConnectorError
from hub.stream.pipeline import SyncProgress, SyncSummary
from hub.stream.state import ConnectorRecord
from hub.worker.scheduler import Scheduler, next_run_after
from tests.api.conftest import NOW, SECRET, FakeConnector, memory_registry

SETTINGS = ApiSettings(backoff_initial_s=10, backoff_max_s=35)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeRuns:
    """Records each run; what a run does is set per connector."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.active: dict[str, int] = {}
        self.max_active: dict[str, int] = {}
        self.gates: dict[str, asyncio.Event] = {}
        self.failures: dict[str, Exception] = {}
        self.summaries: dict[str, SyncSummary] = {}

    async def __call__(self, record: ConnectorRecord, progress: SyncProgress) -> SyncSummary:
        name = record.name
        self.calls.append(name)
        self.active[name] = self.active.get(name, 0) + 1
        self.max_active[name] = max(self.max_active.get(name, 0), self.active[name])
        try:
            if name in self.gates:
                await self.gates[name].wait()
            if name in self.failures:
                raise self.failures[name]
            summary = self.summaries.get(name, SyncSummary(fetched=3, published=2))
            progress(summary)
            return summary
        finally:
            self.active[name] -= 1


async def _register(registry: Registry, name: str = "zoo", **fields: Any) -> ConnectorRecord:
    record = ConnectorRecord(
        name=name,
        type="fake",
        config={"base_url": "https://api.public.example/", "token": SECRET},
        schedule_interval_s=600,
        **{"created_at": NOW, **fields},
    )
    await registry.connectors.put(name, record)
    return record


@pytest.fixture
def parts() -> tuple[Registry, FakeRuns, Clock, Scheduler]:
    registry = memory_registry()
    runs = FakeRuns()
    clock = Clock()
    scheduler = Scheduler(
        registry, runs, settings=SETTINGS, worker_id="w1", clock=clock, connector_types={"fake": FakeConnector}
    )
    return registry, runs, clock, scheduler


def _status(registry: Registry, name: str = "zoo") -> ConnectorStatus:
    status = registry.status.get(name)
    assert status is not None
    return status


async def test_runs_on_its_interval(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """A new connector runs at once, then again only when its interval has passed."""
    registry, runs, clock, scheduler = parts
    await _register(registry)
    await scheduler.tick()
    await scheduler.wait_idle()
    status = _status(registry)
    assert runs.calls == ["zoo"]
    assert status.state == "idle"
    assert status.published_total == 2
    assert status.last_success_at == NOW
    assert status.next_run_at == NOW + timedelta(seconds=600)
    clock.advance(599)
    await scheduler.tick()
    await scheduler.wait_idle()
    assert runs.calls == ["zoo"]
    clock.advance(1)
    await scheduler.tick()
    await scheduler.wait_idle()
    assert runs.calls == ["zoo", "zoo"]
    assert _status(registry).published_total == 4


def test_cron_schedule() -> None:
    """A cron connector runs at the next cron time."""
    record = ConnectorRecord(name="c", type="fake", cron="0 */6 * * *")
    assert next_run_after(record, NOW, NOW + timedelta(minutes=5)) == NOW.replace(hour=18)


async def test_never_two_runs_of_one_connector(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """While a run is in progress, due times and sync requests start no second run."""
    registry, runs, clock, scheduler = parts
    await _register(registry)
    runs.gates["zoo"] = asyncio.Event()
    await scheduler.tick()
    for _ in range(5):
        clock.advance(3600)
        await registry.commands.put("zoo", CommandRecord(connector="zoo", sync_requested_at=clock.now))
        await scheduler.tick()
        await asyncio.sleep(0)
    assert runs.calls == ["zoo"]
    assert _status(registry).state == "running"
    runs.gates["zoo"].set()
    await scheduler.wait_idle()
    assert runs.max_active == {"zoo": 1}


async def test_a_worker_runs_at_most_its_limit_at_once_longest_overdue_first() -> None:
    """Five due connectors and a limit of two: two run, the others start as runs finish, oldest due first."""
    registry = memory_registry()
    runs = FakeRuns()
    clock = Clock()
    settings = SETTINGS.model_copy(update={"max_concurrent_runs": 2})
    scheduler = Scheduler(registry, runs, settings=settings, worker_id="w1", clock=clock)
    names = ["e", "d", "c", "b", "a"]
    for age, name in enumerate(names):
        # "a" was due longest ago: a failed run's backoff ended first.
        await _register(registry, name, created_at=NOW - timedelta(days=1))
        await registry.status.put(
            name,
            ConnectorStatus(
                connector=name,
                state="failed",
                started_at=NOW - timedelta(hours=2),
                next_run_at=NOW - timedelta(minutes=age),
            ),
        )
        runs.gates[name] = asyncio.Event()
    await scheduler.tick()
    assert sorted(scheduler.running) == ["a", "b"]
    await scheduler.tick()
    assert sorted(scheduler.running) == ["a", "b"], "a tick while the limit is reached starts nothing"
    for name in ["a", "b", "c", "d", "e"]:
        [run] = [task for task in asyncio.all_tasks() if task.get_name() == f"sync-{name}"]
        runs.gates[name].set()
        async with asyncio.timeout(5):
            await run
        await scheduler.tick()
        await asyncio.sleep(0)  # let the runs just started begin
        assert len(scheduler.running) <= 2
        assert sum(runs.active.values()) <= 2
    await scheduler.wait_idle()
    assert runs.calls == ["a", "b", "c", "d", "e"]


async def test_failures_back_off_and_recover(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """Each failure doubles the wait up to the maximum; a success resets it. Secrets are scrubbed from errors."""
    registry, runs, clock, scheduler = parts
    await _register(registry)
    runs.failures["zoo"] = RetriableConnectorError(f"503 on /api/projects?token={SECRET}", connector="zoo")
    waits = []
    for _ in range(3):
        await scheduler.tick()
        await scheduler.wait_idle()
        status = _status(registry)
        assert status.state == "failed"
        waits.append((status.next_run_at - clock.now).total_seconds())  # type: ignore[operator]
        clock.now = status.next_run_at  # type: ignore[assignment]
    assert waits == [10, 20, 35]
    status = _status(registry)
    assert status.consecutive_failures == 3
    assert status.error is not None
    assert SECRET not in status.error
    assert status.error.startswith("RetriableConnectorError: 503 on /api/projects?token=**********")
    del runs.failures["zoo"]
    await scheduler.tick()
    await scheduler.wait_idle()
    status = _status(registry)
    assert status.state == "idle"
    assert status.consecutive_failures == 0
    assert status.error is None
    assert status.last_error_at is not None


async def test_dead_letters_degrade(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """A run that dead-lettered records leaves the connector degraded."""
    registry, runs, _, scheduler = parts
    await _register(registry)
    runs.summaries["zoo"] = SyncSummary(fetched=5, published=3, dead_lettered=2)
    await scheduler.tick()
    await scheduler.wait_idle()
    status = _status(registry)
    assert status.state == "degraded"
    assert status.dead_lettered_total == 2


async def test_sync_and_restart_commands(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """Sync runs a connector before it is due; restart stops the current run and starts another."""
    registry, runs, clock, scheduler = parts
    await _register(registry)
    await scheduler.tick()
    await scheduler.wait_idle()
    clock.advance(5)
    await registry.commands.put("zoo", CommandRecord(connector="zoo", sync_requested_at=clock.now))
    await scheduler.tick()
    await scheduler.wait_idle()
    assert runs.calls == ["zoo", "zoo"]
    await scheduler.tick()
    await scheduler.wait_idle()
    assert len(runs.calls) == 2  # one request, one run
    runs.gates["zoo"] = asyncio.Event()
    clock.advance(5)
    await registry.commands.put(
        "zoo",
        CommandRecord(
            connector="zoo", sync_requested_at=clock.now - timedelta(seconds=5), restart_requested_at=clock.now
        ),
    )
    await scheduler.tick()
    await asyncio.sleep(0)
    assert runs.active["zoo"] == 1
    clock.advance(1)
    await registry.commands.put("zoo", CommandRecord(connector="zoo", restart_requested_at=clock.now))
    await scheduler.tick()  # cancels the blocked run
    await asyncio.sleep(0)
    await scheduler.tick()  # starts it again
    await asyncio.sleep(0)
    assert runs.calls == ["zoo"] * 4
    assert runs.max_active["zoo"] == 1
    runs.gates["zoo"].set()
    await scheduler.wait_idle()


async def test_pause_stops_a_running_sync(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """Pausing cancels the run in progress and records the paused state; no run starts while paused."""
    registry, runs, clock, scheduler = parts
    record = await _register(registry)
    runs.gates["zoo"] = asyncio.Event()
    await scheduler.tick()
    await asyncio.sleep(0)
    await registry.connectors.put("zoo", record.model_copy(update={"paused": True}))
    await scheduler.tick()
    assert scheduler.running == set()
    assert _status(registry).state == "paused"
    assert runs.active["zoo"] == 0
    clock.advance(7200)
    await scheduler.tick()
    assert runs.calls == ["zoo"]


async def test_takeover_carries_on_from_the_previous_owner(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """A connector whose owner died mid-run is run again at once, its totals kept; old commands are not replayed."""
    registry, runs, _, scheduler = parts
    await _register(registry, created_at=NOW - timedelta(hours=1))
    before = NOW - timedelta(minutes=1)
    await registry.commands.put("zoo", CommandRecord(connector="zoo", sync_requested_at=before - timedelta(seconds=1)))
    await registry.status.put(
        "zoo", ConnectorStatus(connector="zoo", state="running", worker="w0", started_at=before, published_total=40)
    )
    await scheduler.tick()
    await scheduler.wait_idle()
    status = _status(registry)
    assert runs.calls == ["zoo"]
    assert status.worker == "w1"
    assert status.published_total == 42
    await scheduler.tick()
    await scheduler.wait_idle()
    assert runs.calls == ["zoo"]


async def test_releases_what_it_no_longer_owns(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """A connector deleted or given to another worker stops running here."""
    registry, runs, _, _ = parts
    owned = {"a", "b"}
    scheduler = Scheduler(
        registry, runs, settings=SETTINGS, worker_id="w1", owns=lambda n: n in owned, clock=lambda: NOW
    )
    for name in ("a", "b", "c"):
        await _register(registry, name)
    runs.gates["a"] = asyncio.Event()
    await scheduler.tick()
    await asyncio.sleep(0)
    assert scheduler.owned == {"a", "b"}
    owned.discard("a")
    await scheduler.tick()
    assert scheduler.owned == {"b"}
    assert runs.active["a"] == 0
    await scheduler.wait_idle()


async def test_heartbeat_lists_owned_connectors(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """The worker's heartbeat names its connectors; stopping marks it stopped, owning nothing."""
    registry, _, _, scheduler = parts
    await _register(registry, "a")
    await _register(registry, "b")
    async with scheduler:
        for _ in range(500):
            worker = registry.workers.get("w1")
            if worker is not None:
                break
            await asyncio.sleep(0.01)
        assert worker is not None
        assert worker.connectors == ["a", "b"]
        assert not worker.stopped
    worker = registry.workers.get("w1")
    assert worker is not None
    assert worker.stopped
    assert worker.connectors == []


async def test_a_fatal_error_is_reported(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """A fatal connector error marks the run failed with its message."""
    registry, runs, _, scheduler = parts
    await _register(registry)
    runs.failures["zoo"] = FatalConnectorError("401 on /api/me: check the token", connector="zoo")
    await scheduler.tick()
    await scheduler.wait_idle()
    assert _status(registry).error == "FatalConnectorError: 401 on /api/me: check the token"


async def test_sync_durations_are_measured(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """Each run is observed in the sync duration histogram with its outcome."""
    from hub.api.metrics import HubMetrics

    registry, runs, _, _ = parts
    metrics = HubMetrics()
    scheduler = Scheduler(registry, runs, settings=SETTINGS, worker_id="w1", clock=lambda: NOW, metrics=metrics)
    await _register(registry, "ok")
    await _register(registry, "bad")
    runs.failures["bad"] = RetriableConnectorError("503", connector="bad")
    await scheduler.tick()
    await scheduler.wait_idle()
    sample = metrics.registry.get_sample_value
    assert sample("hub_sync_duration_seconds_count", {"connector": "ok", "outcome": "succeeded"}) == 1
    assert sample("hub_sync_duration_seconds_count", {"connector": "bad", "outcome": "failed"}) == 1


async def test_deleting_a_running_connector_leaves_no_cursor(
    parts: tuple[Registry, FakeRuns, Clock, Scheduler],
) -> None:
    """A batch that committed its cursor after the API's delete does not outlive the connector."""
    from hub.stream.state import CursorRecord

    registry, runs, clock, scheduler = parts
    await _register(registry)
    runs.gates["zoo"] = asyncio.Event()
    await scheduler.tick()
    await asyncio.sleep(0)
    # What DELETE /connectors/zoo writes, then a cursor committed by the still-running sync.
    await registry.connectors.put("zoo", None)
    await registry.commands.put("zoo", CommandRecord(connector="zoo", deleted_at=clock.now))
    await registry.cursors.put("zoo", CursorRecord(connector="zoo", cursor='{"page": 9}'))
    await scheduler.tick()
    assert scheduler.owned == set()
    assert runs.active["zoo"] == 0
    assert registry.cursors.get("zoo") is None
    assert registry.status.get("zoo") is None
    assert registry.commands.get("zoo") is None


async def test_delete_keeping_the_cursor(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """keep_cursor=true keeps the cursor the run left."""
    from hub.stream.state import CursorRecord

    registry, _, clock, scheduler = parts
    await _register(registry)
    await scheduler.tick()
    await scheduler.wait_idle()
    await registry.connectors.put("zoo", None)
    await registry.commands.put("zoo", CommandRecord(connector="zoo", deleted_at=clock.now, keep_cursor=True))
    await registry.cursors.put("zoo", CursorRecord(connector="zoo", cursor='{"page": 9}'))
    await scheduler.tick()
    assert registry.cursors.get("zoo") is not None


async def test_a_connector_registered_again_is_a_new_one(parts: tuple[Registry, FakeRuns, Clock, Scheduler]) -> None:
    """Deleted and created again under the same name between two ticks: the old run stops, the new one starts."""
    registry, runs, clock, scheduler = parts
    record = await _register(registry)
    runs.gates["zoo"] = asyncio.Event()
    await scheduler.tick()
    await asyncio.sleep(0)
    clock.advance(10)
    await registry.connectors.put("zoo", record.model_copy(update={"created_at": clock.now}))
    await scheduler.tick()
    await asyncio.sleep(0)
    assert runs.calls == ["zoo", "zoo"]
    assert runs.max_active["zoo"] == 1
    runs.gates["zoo"].set()
    await scheduler.wait_idle()


async def test_takeover_of_a_failed_connector_keeps_its_backoff(
    parts: tuple[Registry, FakeRuns, Clock, Scheduler],
) -> None:
    """A failed connector taken over waits out the backoff its previous owner set, with its failure count."""
    registry, runs, clock, scheduler = parts
    await _register(registry, created_at=NOW - timedelta(hours=1))
    retry_at = NOW + timedelta(seconds=40)
    failed = ConnectorStatus(
        connector="zoo", state="failed", worker="w0", started_at=NOW, next_run_at=retry_at, consecutive_failures=2
    )
    await registry.status.put("zoo", failed)
    await scheduler.tick()
    assert runs.calls == []
    clock.now = retry_at
    runs.failures["zoo"] = RetriableConnectorError("503", connector="zoo")
    await scheduler.tick()
    await scheduler.wait_idle()
    status = _status(registry)
    assert runs.calls == ["zoo"]
    assert status.consecutive_failures == 3
    assert status.next_run_at == retry_at + timedelta(seconds=35)


class SteppedRuns(FakeRuns):
    """A run that commits batches one at a time, when the test says so, then maybe fails."""

    def __init__(self) -> None:
        super().__init__()
        self.step = asyncio.Event()
        self.committed = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self, record: ConnectorRecord, progress: SyncProgress) -> SyncSummary:
        self.started.set()
        summary = SyncSummary()
        for _ in range(3):
            await self.step.wait()
            self.step.clear()
            summary = SyncSummary(
                fetched=summary.fetched + 10, published=summary.published + 4, batches=summary.batches + 1
            )
            progress(summary)
            self.committed.set()
        if record.name in self.failures:
            raise self.failures[record.name]
        return summary


async def _commit_one(runs: SteppedRuns, scheduler: Scheduler) -> None:
    runs.committed.clear()
    runs.step.set()
    async with asyncio.timeout(5):
        await runs.committed.wait()
    await scheduler.tick()


async def test_status_shows_live_counts_during_a_run_and_what_a_cancelled_run_committed() -> None:
    registry = memory_registry()
    runs = SteppedRuns()
    scheduler = Scheduler(registry, runs, settings=SETTINGS, worker_id="w1", clock=Clock())
    await _register(registry)
    await scheduler.tick()
    async with asyncio.timeout(5):
        await runs.started.wait()  # the scheduler writes "running" before it calls the run
    assert (_status(registry).state, _status(registry).fetched) == ("running", 0)
    await _commit_one(runs, scheduler)
    assert (_status(registry).fetched, _status(registry).published) == (10, 4)
    await _commit_one(runs, scheduler)
    assert (_status(registry).state, _status(registry).fetched, _status(registry).published) == ("running", 20, 8)
    # Pause mid-run: the cancelled run's status says what its committed batches published, not 0 or the last run's.
    paused = registry.connectors.get("zoo")
    assert paused is not None
    await registry.connectors.put("zoo", paused.model_copy(update={"paused": True}))
    await scheduler.tick()
    await scheduler.wait_idle()
    assert (_status(registry).state, _status(registry).published) == ("paused", 8)


async def test_a_failed_run_keeps_the_counts_it_committed_and_its_error() -> None:
    registry = memory_registry()
    runs = SteppedRuns()
    runs.failures["zoo"] = RetriableConnectorError("HTTP 503 from /projects", connector="zoo")
    scheduler = Scheduler(registry, runs, settings=SETTINGS, worker_id="w1", clock=Clock())
    await _register(registry)
    await scheduler.tick()
    for _ in range(3):
        await _commit_one(runs, scheduler)
    await scheduler.wait_idle()
    status = _status(registry)
    assert (status.state, status.fetched, status.published) == ("failed", 30, 12)
    assert status.error is not None
    assert "HTTP 503 from /projects" in status.error
