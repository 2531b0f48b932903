"""``hub sync``: run one connector end to end (fetch → normalise → publish) with a progress bar.

It runs the connector as a worker does (``hub.worker.run.run_connector``: the outbound-address check, the run
history), so its run shows in ``hub connectors runs NAME``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.errors import HubError
from hub.runtime import kafka_cluster
from hub.stream.connectors import load_record, record_from_file
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import SyncSummary
from hub.stream.state import ConnectorRecord
from hub.stream.topics import ensure_topics, hub_topics
from hub.worker.run import run_connector, secret_scrubber
from hub.worker.runs import RunHistory, process_worker_id, runs_table

__all__ = ["connector_record", "interrupted_message", "summary_table", "sync"]


def summary_table(name: str, summary: SyncSummary) -> Table:
    """The closing summary of a sync."""
    table = Table(title=f"sync {name}: {summary.duration:.1f}s, {summary.batches} transactions")
    for column in ("fetched", "published", "unchanged", "deleted", "dead-lettered"):
        table.add_column(column, justify="right")
    table.add_row(
        *(str(n) for n in (summary.fetched, summary.published, summary.unchanged, summary.deleted)),
        str(summary.dead_lettered),
    )
    return table


async def connector_record(
    kafka: KafkaClients, settings: HubSettings, name: str | None, config: Path | None
) -> ConnectorRecord:
    """The connector named on the command line: from ``--config FILE`` if given, else from the registry."""
    if config is not None:
        return record_from_file(config, name=name)
    if name is None:
        raise click.UsageError("give a connector NAME from the registry, or --config FILE")
    return await load_record(kafka, settings, name)


async def _sync(
    settings: HubSettings, name: str | None, config: Path | None, console: Console, seen: list[SyncSummary]
) -> tuple[str, SyncSummary]:
    async with kafka_cluster(settings) as kafka:
        record = await connector_record(kafka, settings, name, config)
        await ensure_topics(kafka, hub_topics(settings), settings)
        runs = runs_table(kafka, settings)
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task(f"sync {record.name}", total=None, counts="starting")

            def progress(summary: SyncSummary) -> None:
                seen[:] = [summary]
                bar.update(
                    task,
                    counts=(
                        f"fetched {summary.fetched}  published {summary.published}  unchanged {summary.unchanged}  "
                        f"deleted {summary.deleted}  dead-lettered {summary.dead_lettered}"
                    ),
                )

            try:
                summary = await run_connector(
                    record,
                    kafka=kafka,
                    settings=settings,
                    history=RunHistory(runs),
                    worker=process_worker_id("hub-sync"),
                    progress=progress,
                    scrub=secret_scrubber(record),
                )
            finally:
                await runs.stop()
            bar.update(task, total=1, completed=1)
        return record.name, summary


def interrupted_message(summary: SyncSummary | None) -> str:
    """What Ctrl-C left behind: the committed batches stand, and the next run resumes after them."""
    if summary is None or summary.batches == 0:
        return "interrupted before any batch was committed; the next run starts from the last committed cursor"
    return (
        f"interrupted: {summary.batches} batch(es) of this run were committed (fetched {summary.fetched}, "
        f"published {summary.published}, unchanged {summary.unchanged}, deleted {summary.deleted}, dead-lettered "
        f"{summary.dead_lettered}); the batch in flight was aborted, and the next run resumes after the last "
        "committed batch"
    )


@click.command()
@click.argument("name", required=False)
@click.option(
    "--config",
    "config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A YAML file with 'type' and 'config' (and optionally 'name'): sync without the registry.",
)
@pass_settings
def sync(settings: HubSettings, name: str | None, config: Path | None) -> None:
    """Run connector NAME (from the registry, or from --config FILE) end to end and print a summary.

    Each batch is published with its cursor in one Kafka transaction, so an interrupted sync resumes where the
    last committed batch ended.
    """
    if name is None and config is None:
        raise click.UsageError("give a connector NAME from the registry, or --config FILE")
    console = Console(stderr=True)
    seen: list[SyncSummary] = []
    try:
        synced, summary = asyncio.run(_sync(settings, name, config, console, seen))
    except KeyboardInterrupt:
        raise click.ClickException(interrupted_message(seen[0] if seen else None)) from None
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    Console().print(summary_table(synced, summary))
    if summary.sweep_refused:
        console.print(f"[yellow]deletions not applied:[/yellow] {summary.sweep_refused}")
