"""``hub query``: run a SPARQL query on the materialised store from the command line."""

from __future__ import annotations

import asyncio
import sys
from typing import IO

import click

from hub.cli._root import pass_settings
from hub.cli.api import api_options, make_client
from hub.config import HubSettings
from hub.dump.materialiser import open_store
from hub.dump.sparql import SparqlEngine
from hub.errors import DumpError, QueryRefusedError, StoreLockedError

__all__ = ["query"]

# Without --format: TSV for SELECT and ASK (readable in a terminal, exact terms), Turtle for CONSTRUCT/DESCRIBE.
_DEFAULT_ACCEPT = "text/tab-separated-values, text/turtle;q=0.9"


@click.command()
@click.argument("text", metavar="QUERY", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r"), help="Read the query from a file ('-': stdin).")
@click.option(
    "--format",
    "result_format",
    type=click.Choice(["json", "csv", "tsv", "turtle", "ntriples"]),
    default=None,
    help="Result format (default: tsv for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE).",
)
@api_options
@pass_settings
def query(
    settings: HubSettings,
    text: str | None,
    query_file: IO[str] | None,
    result_format: str | None,
    url: str | None,
    token: str | None,
) -> None:
    """Run a read-only SPARQL query on the store, with the same limits as /sparql.

    The default graph is the union of every record graph. SERVICE and updates are refused; the time and result
    limits come from HUB_DUMP__SPARQL_TIMEOUT_S and HUB_DUMP__SPARQL_RESULT_LIMIT. While a hub runs (it holds the
    store), the query goes to its /sparql with the token of --token, HUB_TOKEN or the state dir's admin token.
    """
    if (text is None) == (query_file is None):
        raise click.UsageError("give the query as an argument or with --file, not both")
    source = text if text is not None else query_file.read()  # type: ignore[union-attr]
    try:
        engine = SparqlEngine(
            open_store(settings),
            timeout_s=settings.dump.sparql_timeout_s,
            result_limit=settings.dump.sparql_result_limit,
        )
        body = asyncio.run(engine.run(source, accept=_DEFAULT_ACCEPT, format_param=result_format)).body
    except StoreLockedError:
        client = make_client(settings, url, token)
        click.echo(f"the store is held by a running hub: asking its API at {client.url}/sparql", err=True)
        path = f"/sparql?format={result_format}" if result_format else "/sparql"
        body = client.fetch("POST", path, data={"query": source}, accept=_DEFAULT_ACCEPT)
    except QueryRefusedError as exc:
        raise click.ClickException(f"query refused ({exc.reason}): {exc}") from exc
    except DumpError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()
