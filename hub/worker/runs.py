"""Run history: every run of every connector, appended to ``<prefix>.hub.runs`` (kept 30 days).

Each run is written twice under the key ``<connector>/<run id>``: once when it starts (``outcome: running``) and
once when it ends, so a reader keeps the last record per key. The topic is not compacted: history is a log, and
retention bounds it (30 days by default).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from hub.config import HubSettings
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import SyncSummary
from hub.stream.state import StateTable
from hub.stream.topics import runs_topic

if TYPE_CHECKING:
    from hub.api.tables import Table

__all__ = [
    "RunHistory",
    "RunOutcome",
    "RunRecord",
    "new_run_id",
    "process_worker_id",
    "runs_table",
]

RunOutcome = Literal["running", "succeeded", "failed", "cancelled"]


def new_run_id(now: datetime) -> str:
    """A run id that sorts by start time: ``YYYYmmddTHHMMSSZ-<random>``."""
    return f"{now.strftime('%Y%m%dT%H%M%S')}Z-{uuid.uuid4().hex[:8]}"


def process_worker_id(role: str) -> str:
    """Who ran a run outside the worker group (``hub sync``): the role, host and pid."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


class RunRecord(BaseModel):
    """One run of one connector, as the run history keeps it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    run_id: str
    connector: str
    worker: str
    started_at: datetime
    finished_at: datetime | None = None
    outcome: RunOutcome = "running"
    error: str | None = None
    fetched: int = 0
    published: int = 0
    unchanged: int = 0
    deleted: int = 0
    dead_lettered: int = 0
    batches: int = 0
    requests: int = 0
    not_modified: int = 0

    @property
    def key(self) -> str:
        """The Kafka key of this run's records."""
        return f"{self.connector}/{self.run_id}"

    def with_counts(self, summary: SyncSummary, *, requests: int = 0, not_modified: int = 0) -> RunRecord:
        """This run with the counts of ``summary`` and of the HTTP client."""
        return self.model_copy(
            update={
                "fetched": summary.fetched,
                "published": summary.published,
                "unchanged": summary.unchanged,
                "deleted": summary.deleted,
                "dead_lettered": summary.dead_lettered,
                "batches": summary.batches,
                "requests": requests,
                "not_modified": not_modified,
            }
        )

    def finished(self, outcome: RunOutcome, *, error: str | None = None) -> RunRecord:
        """This run, ended now with ``outcome``."""
        return self.model_copy(update={"outcome": outcome, "error": error, "finished_at": datetime.now(UTC)})


def runs_table(kafka: KafkaClients, settings: HubSettings) -> StateTable[RunRecord]:
    """The run-history topic as a table of runs by ``<connector>/<run id>``."""
    return StateTable(kafka, runs_topic(settings), RunRecord)


class RunHistory:
    """Appends runs to the run history and reads them back, newest first.

    A writer (a worker, ``hub sync``) only puts; a reader (the API) starts the table first so it holds the log.

    Example:
        history = RunHistory(runs_table(kafka, settings))
        await history.record(run)
        page = history.runs("zooniverse-main", limit=20)
    """

    def __init__(self, table: Table[RunRecord]) -> None:
        self.table = table

    async def record(self, run: RunRecord) -> None:
        """Write (or overwrite) one run."""
        await self.table.put(run.key, run)

    def _of(self, connector: str) -> Iterator[RunRecord]:
        prefix = f"{connector}/"
        return (run for key, run in self.table.items() if key.startswith(prefix))

    def runs(self, connector: str, *, limit: int = 20, before: str | None = None) -> list[RunRecord]:
        """The connector's runs, newest first; ``before`` (a run id) pages back from there."""
        runs = sorted(self._of(connector), key=lambda run: run.run_id, reverse=True)
        if before is not None:
            runs = [run for run in runs if run.run_id < before]
        return runs[:limit]
