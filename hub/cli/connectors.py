"""``hub connectors ...``: register, inspect and run connectors through the hub API."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
import yaml
from rich.console import Console
from rich.table import Table

from hub.cli.api import ApiClient, echo_json, pass_client

__all__ = ["connectors"]


def _definition(path: Path) -> dict[str, Any]:
    """A connector definition from YAML or JSON: ``name``, ``type``, ``config`` and schedule fields."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise click.ClickException(f"{path}: cannot read the connector definition: {exc}") from exc
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: expected a mapping with name, type and config")
    return data


_NO_RESOLVE_CHECK = click.option(
    "--no-resolve-check",
    is_flag=True,
    help="Accept a URL whose host does not resolve yet (its DNS is not up); one that resolves is still checked.",
)


def _resolve_params(no_resolve_check: bool) -> dict[str, str] | None:
    return {"resolve_check": "false"} if no_resolve_check else None


@click.group()
def connectors() -> None:
    """Register, inspect and run connectors (through the hub API)."""


@connectors.command("list")
@pass_client
def list_connectors(client: ApiClient) -> None:
    """List the connectors this token may see."""
    echo_json(client.call("GET", "/connectors"))


@connectors.command()
@click.argument("name")
@pass_client
def get(client: ApiClient, name: str) -> None:
    """Show a connector's configuration (secrets masked)."""
    echo_json(client.call("GET", f"/connectors/{name}"))


@connectors.command()
@click.option("-f", "--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--name", help="Override the name in the file.")
@_NO_RESOLVE_CHECK
@pass_client
def create(client: ApiClient, path: Path, name: str | None, no_resolve_check: bool) -> None:
    """Register a connector from a YAML file (see examples/connectors/)."""
    body = _definition(path)
    if name:
        body["name"] = name
    body.setdefault("name", path.stem)
    echo_json(client.call("POST", "/connectors", body=body, params=_resolve_params(no_resolve_check)))


@connectors.command()
@click.option("-f", "--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--name", help="Override the name in the file.")
@_NO_RESOLVE_CHECK
@pass_client
def apply(client: ApiClient, path: Path, name: str | None, no_resolve_check: bool) -> None:
    """Create or replace a connector from a YAML file (secrets left out keep their stored values)."""
    body = _definition(path)
    target = name or body.pop("name", None) or path.stem
    body.pop("name", None)
    echo_json(client.call("PUT", f"/connectors/{target}", body=body, params=_resolve_params(no_resolve_check)))


@connectors.command()
@click.argument("name")
@click.option("--keep-cursor", is_flag=True, help="Keep the cursor, so a connector of this name resumes.")
@pass_client
def delete(client: ApiClient, name: str, keep_cursor: bool) -> None:
    """Delete a connector (and its cursor unless --keep-cursor)."""
    client.call("DELETE", f"/connectors/{name}", params={"keep_cursor": "true" if keep_cursor else "false"})
    click.echo(f"deleted {name}")


@connectors.command()
@click.argument("name")
@pass_client
def status(client: ApiClient, name: str) -> None:
    """Show a connector's state, last error, last success and counters."""
    echo_json(client.call("GET", f"/connectors/{name}/status"))


@connectors.command()
@click.argument("name")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200), help="Runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
@pass_client
def runs(client: ApiClient, name: str, limit: int, as_json: bool) -> None:
    """Show a connector's run history, newest first: outcome, counts, requests and errors."""
    page = client.call("GET", f"/connectors/{name}/runs", params={"limit": str(limit)})
    if as_json:
        echo_json(page)
        return
    table = Table(title=f"runs of {name}")
    for column in ("run", "worker", "started", "took", "outcome", "fetched", "published", "unchanged", "deleted"):
        table.add_column(column)
    for column in ("dead-lettered", "requests", "304s"):
        table.add_column(column, justify="right")
    for run in page["runs"]:
        took = "-"
        if run["finished_at"]:
            seconds = (
                datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
            ).total_seconds()
            took = f"{seconds:.1f}s"
        table.add_row(
            run["run_id"],
            run["worker"],
            run["started_at"][:19],
            took,
            run["outcome"],
            *(str(run[key]) for key in ("fetched", "published", "unchanged", "deleted", "dead_lettered")),
            str(run["requests"]),
            str(run["not_modified"]),
        )
    console = Console(width=200)
    console.print(table)
    for run in page["runs"]:
        if run["error"]:
            console.print(f"[red]{run['run_id']}[/red]: {run['error']}")


def _action(method: str, suffix: str, help_text: str) -> click.Command:
    @click.argument("name")
    @pass_client
    def command(client: ApiClient, name: str) -> None:
        echo_json(client.call(method, f"/connectors/{name}/{suffix}"))

    command.__doc__ = help_text
    return click.command(suffix)(command)


connectors.add_command(_action("PUT", "pause", "Pause a connector (a running sync stops)."))
connectors.add_command(_action("PUT", "resume", "Resume a paused connector."))
connectors.add_command(_action("POST", "restart", "Restart a connector now (resets its backoff)."))
connectors.add_command(_action("POST", "sync", "Run a sync now."))


@connectors.command()
@click.argument("name")
@click.option("--reset", is_flag=True, help="Delete the cursor: the next sync starts from scratch.")
@pass_client
def cursor(client: ApiClient, name: str, reset: bool) -> None:
    """Show (or reset) where a connector's next sync resumes."""
    if reset:
        client.call("DELETE", f"/connectors/{name}/cursor")
        click.echo(f"cursor of {name} reset")
        return
    echo_json(client.call("GET", f"/connectors/{name}/cursor"))


@connectors.command()
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON, config schemas included.")
@pass_client
def types(client: ApiClient, as_json: bool) -> None:
    """List installed connector types: name, what it reads and sync mode (--json adds the config schemas)."""
    listing = client.call("GET", "/connector-types")
    if as_json:
        echo_json(listing)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("type", "platform", "sync mode", "reads"):
        table.add_column(column, overflow="fold")
    for item in listing["types"]:
        table.add_row(item["name"], item["platform"], item["sync_mode"], item.get("description", ""))
    Console(width=160).print(table)


@connectors.command()
@click.argument("connector_type")
@click.option("-f", "--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@pass_client
def validate(client: ApiClient, connector_type: str, path: Path) -> None:
    """Validate the config in a definition file against its type, field by field."""
    body = _definition(path)
    config = body.get("config", body)
    report = client.call("PUT", f"/connector-types/{connector_type}/config/validate", body=config)
    echo_json(report)
    if not report["valid"]:
        raise SystemExit(1)
