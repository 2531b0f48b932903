"""Running one connector once, the same way for ``hub worker``/``hub up`` and for ``hub sync``.

``run_connector`` checks the connector's URLs against the outbound rules (a name may resolve elsewhere than it did
at registration), builds the connector from its record, runs one sync and appends the run, with its counts and
its outcome, to the run history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from hub.api.outbound import check_config_urls
from hub.api.secrets import MASK, secret_fields
from hub.config import HubSettings
from hub.connectors import connector_type
from hub.errors import ConfigError, OutboundRefusedError, StreamError
from hub.security.connector_secrets import reveal_for_run
from hub.security.secret_keys import Keyring
from hub.stream.connectors import open_connector
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import SyncProgress, SyncSummary, run_sync
from hub.stream.state import ConnectorRecord
from hub.worker.runs import RunHistory, RunOutcome, RunRecord, new_run_id
from hub.worker.scheduler import RunConnector

__all__ = ["check_outbound", "kafka_runner", "run_connector", "secret_scrubber"]

log = structlog.get_logger(__name__)

Scrub = Callable[[str], str]


async def check_outbound(record: ConnectorRecord, settings: HubSettings) -> None:
    """Refuse a connector whose configured URLs point where connectors may not go.

    Raises:
        OutboundRefusedError: naming each refused config field and why.
    """
    config = connector_type(record.type).config_model.model_validate(record.config).model_dump(mode="json")
    refused = await check_config_urls(config, settings.api.outbound_allow)
    if refused:
        raise OutboundRefusedError("; ".join(f"config.{key}: {reason}" for key, reason in sorted(refused.items())))


async def run_connector(
    record: ConnectorRecord,
    *,
    kafka: KafkaClients,
    settings: HubSettings,
    history: RunHistory,
    worker: str,
    progress: SyncProgress | None = None,
    scrub: Scrub | None = None,
    keyring: Keyring | None = None,
) -> SyncSummary:
    """Run one sync of ``record`` and record it in the run history.

    Args:
        record: the stored connector.
        kafka: the cluster.
        settings: the hub's settings.
        history: where the run is appended (once at the start, once at the end).
        worker: who runs it (a worker id, or ``hub-sync@host:pid``).
        progress: called after each committed batch with the running totals.
        scrub: removes the connector's secrets from an error message before it is stored; by default
            ``secret_scrubber`` of the record with its secrets decrypted.
        keyring: the keys that decrypt the record's secrets; ``load_keyring(settings)`` by default.

    Raises:
        OutboundRefusedError: a configured URL is not allowed; the run is recorded as failed.
        StreamError, ConnectorError: the sync failed; batches committed before stay committed.
    """
    now = datetime.now(UTC)
    run = RunRecord(run_id=new_run_id(now), connector=record.name, worker=worker, started_at=now)
    await history.record(run)
    summary = SyncSummary()
    requests = {"sent": 0, "not_modified": 0}

    def on_batch(current: SyncSummary) -> None:
        nonlocal summary
        summary = current
        if progress is not None:
            progress(current)

    try:
        # Opened here, where it runs, and nowhere else; a key the hub lacks fails this run, naming the connector.
        plain = reveal_for_run(record, settings, keyring)
        scrub = scrub or secret_scrubber(plain)
        await check_outbound(plain, settings)
        async with open_connector(plain, settings) as connector:
            try:
                summary = await run_sync(record.name, connector, kafka=kafka, settings=settings, progress=on_batch)
            finally:
                requests["sent"] = connector.http.requests_sent
                requests["not_modified"] = connector.http.not_modified
    except asyncio.CancelledError:
        await _finish(history, run, summary, requests, "cancelled", None)
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        await _finish(history, run, summary, requests, "failed", scrub(error) if scrub else error)
        raise
    await _finish(history, run, summary, requests, "succeeded", None)
    return summary


async def _finish(
    history: RunHistory,
    run: RunRecord,
    summary: SyncSummary,
    requests: dict[str, int],
    outcome: RunOutcome,
    error: str | None,
) -> None:
    final = run.with_counts(summary, requests=requests["sent"], not_modified=requests["not_modified"])
    final = final.finished(outcome, error=error)
    try:
        # Shielded: a cancelled run (pause, restart) must still say that it ended and what it committed.
        await asyncio.shield(history.record(final))
    except StreamError:
        log.warning("run.history_not_written", connector=run.connector, run_id=run.run_id)


def secret_scrubber(record: ConnectorRecord) -> Scrub:
    """Replaces each of the connector's secret values in a text (an error may quote a URL or a header)."""
    try:
        model = connector_type(record.type).config_model
    except ConfigError:
        model = None
    secrets = [v for name in secret_fields(model, record.config) if isinstance(v := record.config.get(name), str) and v]

    def scrub(text: str) -> str:
        for value in secrets:
            text = text.replace(value, MASK)
        return text

    return scrub


def kafka_runner(kafka: KafkaClients, settings: HubSettings, history: RunHistory, worker: str) -> RunConnector:
    """The scheduler's ``RunConnector``: ``run_connector`` on this cluster, recorded as run by ``worker``."""

    async def run(record: ConnectorRecord, progress: SyncProgress) -> SyncSummary:
        return await run_connector(
            record,
            kafka=kafka,
            settings=settings,
            history=history,
            worker=worker,
            progress=progress,
        )

    return run
