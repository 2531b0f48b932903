"""What the scheduler records about each connector and each worker, and the honest view the API shows.

The scheduler writes ``ConnectorStatus`` (a ``StatusRecord`` with the scheduler's fields added) to the status
topic and ``WorkerRecord`` heartbeats to the workers topic. A status written by a worker that stopped
heartbeating is not believed: the API shows such a connector as ``unassigned`` with the reason, instead of
``running`` (the complaint about Kafka Connect showing dead tasks as running).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field

from hub.api.models import ConnectorState, ConnectorStatusView
from hub.stream.state import ConnectorRecord, StatusRecord

__all__ = [
    "HEARTBEAT_INTERVAL_S",
    "HEARTBEAT_TIMEOUT_S",
    "CommandRecord",
    "ConnectorStatus",
    "WorkerRecord",
    "claimant",
    "expected_interval_s",
    "status_view",
]

HEARTBEAT_INTERVAL_S = 5.0
# Three missed heartbeats: a worker this quiet is dead or cut off, and its status is no longer believed.
HEARTBEAT_TIMEOUT_S = 3 * HEARTBEAT_INTERVAL_S
STALE_FACTOR = 2.0


class ConnectorStatus(StatusRecord):
    """A connector's state as its scheduler last wrote it.

    ``state`` is one of running, idle, degraded, failed, paused. The inherited counters (``fetched``,
    ``published``, ``dead_lettered``...) are those of the last run; the ``*_total`` ones add up every run.
    """

    worker: str | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_record_at: datetime | None = None
    consecutive_failures: int = 0
    next_run_at: datetime | None = None
    last_duration_s: float | None = None
    fetched_total: int = 0
    published_total: int = 0
    dead_lettered_total: int = 0


class WorkerRecord(BaseModel):
    """A worker's heartbeat: who it is and which connectors it runs."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    host: str
    pid: int
    heartbeat_at: datetime
    slots: list[int] = Field(default_factory=list)
    connectors: list[str] = Field(default_factory=list)
    stopped: bool = False


class CommandRecord(BaseModel):
    """Requests from the API to whichever worker runs a connector, keyed by connector name."""

    model_config = ConfigDict(frozen=True, extra="allow")

    connector: str
    sync_requested_at: datetime | None = None
    restart_requested_at: datetime | None = None
    # Set by DELETE /connectors/{name}: the worker that was running it stops the run, then deletes the status and
    # (unless kept) the cursor once more, since a transaction that committed after the API's delete rewrote it.
    deleted_at: datetime | None = None
    keep_cursor: bool = False


def expected_interval_s(record: ConnectorRecord, *, now: datetime) -> float:
    """How often the connector should run: its interval, or the gap between its next two cron times."""
    if record.cron:
        schedule = croniter(record.cron, now)
        first = schedule.get_next(datetime)
        second = schedule.get_next(datetime)
        return float((second - first).total_seconds())
    return float(record.schedule_interval_s or 3600.0)


def _alive(worker: WorkerRecord, now: datetime) -> bool:
    return not worker.stopped and now - worker.heartbeat_at <= timedelta(seconds=HEARTBEAT_TIMEOUT_S)


def claimant(name: str, workers: Iterable[WorkerRecord], *, now: datetime) -> WorkerRecord | None:
    """The live worker that claims connector ``name`` in its heartbeat, if any."""
    live = [w for w in workers if name in w.connectors and _alive(w, now)]
    return max(live, key=lambda w: w.heartbeat_at) if live else None


def status_view(
    record: ConnectorRecord,
    status: ConnectorStatus | None,
    workers: Iterable[WorkerRecord],
    *,
    now: datetime | None = None,
) -> ConnectorStatusView:
    """The state to show for a connector, believing a status only while a live worker claims the connector.

    The sync pipeline also writes plain status records (running, succeeded, failed) under the connector's key;
    they are read here with the scheduler's fields at their defaults.
    """
    now = now or datetime.now(UTC)
    workers = list(workers)
    owner = claimant(record.name, workers, now=now)
    interval = expected_interval_s(record, now=now)
    produced_at = max(t for t in ((status.last_record_at if status else None), record.created_at) if t is not None)
    stale = not record.paused and (now - produced_at).total_seconds() > STALE_FACTOR * interval
    last_error = status.error if status else None
    state: ConnectorState
    if record.paused:
        state = "paused"
    elif owner is None:
        state = "unassigned"
        last = status.worker if status is not None else None
        if last is not None:
            seen = next((w.heartbeat_at.isoformat() for w in workers if w.id == last), "never")
            last_error = f"worker {last} stopped reporting (last heartbeat {seen}); waiting for another worker"
    elif status is not None and status.state == "running":
        state = "running"
    elif status is not None and status.state == "failed":
        state = "failed"
    elif status is not None and (stale or status.state == "degraded" or status.dead_lettered > 0):
        state = "degraded"
    else:
        state = "idle"
    return ConnectorStatusView(
        name=record.name,
        type=record.type,
        state=state,
        worker=owner.id if owner is not None else (status.worker if status else None),
        stale=stale,
        last_error=last_error,
        last_error_at=status.last_error_at if status else None,
        last_success_at=status.last_success_at if status else None,
        last_run_started_at=status.started_at if status else None,
        records_fetched=status.fetched_total if status else 0,
        records_published=status.published_total if status else 0,
        records_dead_lettered=status.dead_lettered_total if status else 0,
        last_record_at=status.last_record_at if status else None,
        consecutive_failures=status.consecutive_failures if status else 0,
        next_run_at=status.next_run_at if status else None,
        heartbeat_at=owner.heartbeat_at if owner is not None else None,
    )
