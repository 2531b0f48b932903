"""The worker role: join the worker group and run the connectors of the slots it assigns (``worker()``)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import structlog

from hub.api.kafka import api_topic
from hub.api.keys import Registry
from hub.api.metrics import HubMetrics
from hub.config import HubSettings
from hub.connectors.base import Connector
from hub.security.connector_secrets import reveal_for_run
from hub.stream.kafka import KafkaClients
from hub.stream.topics import internal_topic
from hub.stream.watch import TopicWatcher
from hub.worker.group import WorkerGroup
from hub.worker.run import kafka_runner
from hub.worker.runs import RunHistory, runs_table
from hub.worker.scheduler import RunConnector, Scheduler

__all__ = ["new_worker_id", "worker"]

log = structlog.get_logger(__name__)


def new_worker_id() -> str:
    """A worker id unique across hosts and restarts: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@asynccontextmanager
async def worker(
    settings: HubSettings,
    registry: Registry,
    run: RunConnector | None = None,
    *,
    kafka: KafkaClients,
    worker_id: str | None = None,
    metrics: HubMetrics | None = None,
    connector_types: Mapping[str, type[Connector]] | None = None,
    tick_s: float = 1.0,
) -> AsyncIterator[Scheduler]:
    """Join the worker group and run the connectors of the slots it assigns, until the block exits.

    ``run`` defaults to ``hub.worker.run.run_connector`` on this cluster, recording each run in the run history;
    tests pass a fake. ``tick_s``: how often the scheduler looks at the registry when nothing wakes it sooner (a
    command or a connector change arriving, a run finishing, the group changing).
    """
    worker_id = worker_id or new_worker_id()
    runs = runs_table(kafka, settings)
    history = RunHistory(runs)
    if run is None:
        run = kafka_runner(kafka, settings, history, worker_id)
    group: WorkerGroup | None = None

    def owns(name: str) -> bool:
        return group is not None and group.owns(name)

    scheduler = Scheduler(
        registry,
        run,
        settings=settings.api,
        worker_id=worker_id,
        owns=owns,
        connector_types=connector_types,
        metrics=metrics,
        reveal=lambda record: reveal_for_run(record, settings),
        tick_s=tick_s,
    )
    group = WorkerGroup(kafka, settings, worker_id=worker_id, on_change=scheduler.release_unowned)
    # A sync asked for through the API, or a connector registered or changed, wakes the scheduler when it lands on
    # the cluster instead of at its next tick (most of a second later).
    watcher = TopicWatcher(
        kafka,
        [api_topic(settings, "commands"), internal_topic(settings, "connectors")],
        lambda records: scheduler.poke(),
        name=f"scheduler-{worker_id}",
    )
    await group.start()
    await scheduler.start()
    await watcher.start()
    log.info("worker.started", worker=worker_id)
    try:
        yield scheduler
    finally:
        await watcher.stop()
        await scheduler.stop()
        await group.stop()
        await runs.stop()
        log.info("worker.stopped", worker=worker_id)
