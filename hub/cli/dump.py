"""``hub dump``: write a consistent snapshot of the store as gzipped N-Quads and JSON-LD, with a manifest."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.cli._root import pass_settings
from hub.cli.api import api_options, make_client
from hub.config import HubSettings
from hub.dump.files import write_dump
from hub.dump.http import dump_dir
from hub.dump.materialiser import Materialiser, materialised_topics, open_store
from hub.dump.store import HubStore
from hub.errors import HubError, StoreLockedError
from hub.runtime import kafka_cluster

__all__ = ["dump"]


async def _catch_up(settings: HubSettings, store: HubStore, timeout_s: float) -> int:
    async with (
        kafka_cluster(settings) as kafka,
        Materialiser(
            store,
            kafka=kafka,
            topics=materialised_topics(settings),
            batch_max_records=settings.dump.batch_max_records,
        ) as materialiser,
    ):
        await materialiser.catch_up(timeout_s)
        return materialiser.applied_records


@click.command()
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None, help="Parent directory.")
@click.option(
    "--catch-up/--no-catch-up",
    default=False,
    help="First read the topics up to their end (needs Kafka), so the dump reflects everything committed now.",
)
@click.option("--catch-up-timeout-s", type=click.FloatRange(min=1), default=600.0, show_default=True)
@api_options
@pass_settings
def dump(
    settings: HubSettings,
    output: Path | None,
    catch_up: bool,
    catch_up_timeout_s: float,
    url: str | None,
    token: str | None,
) -> None:
    """Write the federated dump: hub.nq.gz, hub.jsonld.gz and manifest.json in a new <output>/<dump id>/.

    Reads the store at HUB_DUMP__STORE_DIR. While a hub runs (it holds the store and keeps it caught up), the
    dump is written by that hub through its API (POST /dump), into its own dump directory.
    """
    console = Console(stderr=True)
    try:
        store = open_store(settings)
    except StoreLockedError:
        client = make_client(settings, url, token)
        console.print(f"the store is held by a running hub: asking its API at {client.url} (POST /dump)")
        if output is not None:
            console.print("[yellow]--output is ignored: the running hub writes into its own dump directory[/yellow]")
        manifest = client.call("POST", "/dump")
        click.echo(f"dump {manifest['dumpId']}: {manifest['records']} records, {manifest['triples']} triples")
        for entry in manifest["files"]:
            click.echo(f"  {client.url}/dump/{manifest['dumpId']}/{entry['name']}  {entry['bytes']} bytes")
        return
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        if catch_up:
            applied = asyncio.run(_catch_up(settings, store, catch_up_timeout_s))
            console.print(f"caught up with Kafka: {applied} records applied")
        total = sum(1 for _ in store.record_graphs())
        with Progress(
            TextColumn("[bold]dump"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("records"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("records", total=total)
            summary = write_dump(store, output or dump_dir(settings), progress=lambda n: bar.advance(task, n))
    except (HubError, TimeoutError) as exc:
        raise click.ClickException(str(exc) or "timed out catching up with Kafka") from exc
    manifest = summary.manifest
    click.echo(f"{summary.directory}: {manifest['records']} records, {manifest['triples']} triples")
    for entry in manifest["files"]:
        click.echo(f"  {entry['name']}  {entry['bytes']} bytes  sha256 {entry['sha256']}")
