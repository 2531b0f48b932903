"""The API's state over Kafka: its compacted topics, the state tables read from them, and the readiness check.

Besides the stream layer's ``connectors``, ``cursors``, ``status`` and ``partners`` topics, the API keeps:

- ``<prefix>.hub.tokens``: issued tokens by id, each with only the SHA-256 of the token;
- ``<prefix>.hub.commands``: sync and restart requests by connector, for whichever worker runs it;
- ``<prefix>.hub.workers``: each worker's heartbeat and the connectors it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog

from hub.api.auth import TokenRecord
from hub.api.keys import ReadyCheck, Registry
from hub.api.problems import plain_traceback
from hub.api.status import CommandRecord, ConnectorStatus, WorkerRecord
from hub.config import HubSettings
from hub.stream.kafka import KafkaClients
from hub.stream.state import BackfillMark, ConnectorRecord, CursorRecord, PartnerSubscription, StateTable
from hub.stream.topics import TopicSpec, hub_topics, internal_topic
from hub.worker.runs import runs_table

__all__ = ["API_TOPICS", "KafkaRegistry", "api_topic", "api_topics", "kafka_ready_check"]

log = structlog.get_logger(__name__)

API_TOPICS = ("tokens", "commands", "workers")


def api_topic(settings: HubSettings, name: str) -> str:
    """One of the API's compacted topics, e.g. ``ccs.hub.tokens``."""
    return f"{settings.stream.topic_prefix}.hub.{name}"


def api_topics(settings: HubSettings) -> list[TopicSpec]:
    """The API's compacted topics, to create with the hub's own."""
    configs = {"cleanup.policy": "compact", "min.insync.replicas": str(settings.stream.min_insync_replicas)}
    return [TopicSpec(api_topic(settings, name), configs) for name in API_TOPICS]


class KafkaRegistry:
    """The state tables over their topics; ``start`` reads them all, ``refresh`` catches up with other writers."""

    def __init__(self, kafka: KafkaClients, settings: HubSettings) -> None:
        self.connectors = StateTable(kafka, internal_topic(settings, "connectors"), ConnectorRecord)
        self.cursors = StateTable(kafka, internal_topic(settings, "cursors"), CursorRecord)
        self.status = StateTable(kafka, internal_topic(settings, "status"), ConnectorStatus)
        self.marks = StateTable(kafka, internal_topic(settings, "router-marks"), BackfillMark)
        self.runs = runs_table(kafka, settings)
        self.partners = StateTable(kafka, internal_topic(settings, "partners"), PartnerSubscription)
        self.tokens = StateTable(kafka, api_topic(settings, "tokens"), TokenRecord)
        self.commands = StateTable(kafka, api_topic(settings, "commands"), CommandRecord)
        self.workers = StateTable(kafka, api_topic(settings, "workers"), WorkerRecord)
        self.registry = Registry(
            connectors=self.connectors,
            cursors=self.cursors,
            status=self.status,
            partners=self.partners,
            tokens=self.tokens,
            commands=self.commands,
            workers=self.workers,
            runs=self.runs,
        )

    @property
    def tables(self) -> Sequence[StateTable[Any]]:
        """Every table."""
        return (
            self.connectors,
            self.cursors,
            self.status,
            self.marks,
            self.partners,
            self.tokens,
            self.commands,
            self.workers,
            self.runs,
        )

    async def start(self) -> None:
        """Read every table from its topic; on failure, close the ones that started and raise."""
        try:
            await asyncio.gather(*(table.start() for table in self.tables))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close every table."""
        for table in self.tables:
            await table.stop()

    async def refresh(self) -> None:
        """Catch up every table with writes from other processes."""
        await asyncio.gather(*(table.refresh() for table in self.tables))

    @asynccontextmanager
    async def running(self, refresh_s: float = 1.0) -> AsyncIterator[Registry]:
        """Start the tables, keep them fresh in the background, and close them on exit."""
        await self.start()

        async def refresher() -> None:
            while True:
                await asyncio.sleep(refresh_s)
                try:
                    await self.refresh()
                except Exception as exc:  # noqa: BLE001 - logged below, without locals
                    # Kafka briefly away: serve what is in memory and try again.
                    log.error("api.refresh_failed", traceback=plain_traceback(exc))  # noqa: TRY400 - exc_info logs locals

        task = asyncio.create_task(refresher(), name="registry-refresh")
        try:
            yield self.registry
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.stop()


def kafka_ready_check(kafka: KafkaClients, settings: HubSettings, *, timeout_ms: int = 5000) -> ReadyCheck:
    """A readiness check: the cluster answers and every topic the hub and the API need exists."""
    wanted = [spec.name for spec in [*hub_topics(settings), *api_topics(settings)]]

    async def check() -> dict[str, str]:
        admin = kafka.admin(request_timeout_ms=timeout_ms)
        try:
            await admin.start()
            present = set(await admin.list_topics())
        except Exception as exc:  # noqa: BLE001 - any failure to reach the cluster means "not ready", with why
            return {"kafka": f"unreachable at {kafka.bootstrap}: {exc!r}"}
        finally:
            await admin.close()
        missing = [name for name in wanted if name not in present]
        return {"topics": "missing: " + ", ".join(missing)} if missing else {}

    return check
