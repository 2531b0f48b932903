"""``hub dlq list|show|replay``: see the records that failed mapping or validation, and re-run them after a fix."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table

from hub.cli._root import pass_settings
from hub.cli.sync import connector_record
from hub.config import HubSettings
from hub.errors import HubError
from hub.runtime import kafka_cluster
from hub.stream.connectors import open_connector
from hub.stream.dlq import DeadLetter, find_dead_letter, list_dead_letters, replay_dead_letters
from hub.stream.rederive import RederiveSummary

__all__ = ["dlq"]

T = TypeVar("T")


async def _letters(settings: HubSettings, connector: str | None, include_replayed: bool) -> list[DeadLetter]:
    async with kafka_cluster(settings) as kafka:
        return await list_dead_letters(kafka, settings, connector=connector, include_replayed=include_replayed)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def dlq() -> None:
    """Inspect and replay the dead-letter topic."""


@dlq.command("list")
@click.option("--connector", help="Only this connector's dead letters.")
@click.option("--all", "include_replayed", is_flag=True, help="Include dead letters already replayed.")
@pass_settings
def list_command(settings: HubSettings, connector: str | None, include_replayed: bool) -> None:
    """List dead letters, oldest first: id (partition:offset), connector, record, error kind and message."""
    letters = _run(_letters(settings, connector, include_replayed))
    table = Table(title=f"{len(letters)} dead letters")
    for column in ("id", "time", "connector", "record", "error", "message", "replayed"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        table.add_row(
            letter.id,
            letter.time,
            letter.connector,
            f"{letter.kind} {letter.native_id}",
            letter.error_kind,
            letter.error_message[:200],
            "yes" if letter.replayed else "",
        )
    Console(width=200).print(table)


@dlq.command()
@click.argument("ident", metavar="ID")
@pass_settings
def show(settings: HubSettings, ident: str) -> None:
    """Show one dead letter (ID is partition:offset): every header and the verbatim payload."""
    letters = _run(_letters(settings, None, True))
    try:
        letter = find_dead_letter(letters, ident)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, value in letter.message.headers:
        click.echo(f"{name}: {value.decode(errors='replace')}")
    click.echo("")
    try:
        click.echo(orjson.dumps(orjson.loads(letter.payload), option=orjson.OPT_INDENT_2).decode())
    except orjson.JSONDecodeError:
        click.echo(letter.payload.decode(errors="replace"))


async def _replay(
    settings: HubSettings, connector: str, config: Path | None, idents: tuple[str, ...]
) -> tuple[int, RederiveSummary]:
    async with kafka_cluster(settings) as kafka:
        record = await connector_record(kafka, settings, connector, config)
        letters = await list_dead_letters(kafka, settings, connector=record.name, include_replayed=bool(idents))
        if idents:
            letters = [find_dead_letter(letters, ident) for ident in idents]
        async with open_connector(record, settings) as instance:
            summary = await replay_dead_letters(letters, record.name, instance, kafka=kafka, settings=settings)
        return len(letters), summary


@dlq.command()
@click.argument("connector")
@click.argument("idents", metavar="[ID]...", nargs=-1)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Connector definition (YAML with type and config) instead of the registry's.",
)
@pass_settings
def replay(settings: HubSettings, connector: str, idents: tuple[str, ...], config: Path | None) -> None:
    """Re-run CONNECTOR's dead letters (all not yet replayed, or the given IDs) through its current mapping.

    What now maps is published (only if it changed); what still fails is dead-lettered again with its new reason.
    """
    result = _run(_replay(settings, connector, config, idents))
    count, summary = result
    click.echo(
        f"replayed {count} dead letters: published {summary.published}, unchanged {summary.unchanged}, "
        f"failed again {summary.dead_lettered}"
    )
