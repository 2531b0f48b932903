"""``hub materialise``: run the materialiser role alone (and, optionally, the cross-platform matcher)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import click
import structlog

from hub.api.kafka import api_topics
from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.dump.links import decisions_topic_spec
from hub.dump.matcher import run_matcher
from hub.dump.materialiser import open_store, run_materialiser
from hub.dump.serve import sparql_server
from hub.errors import HubError
from hub.runtime import kafka_cluster, run_until_signalled
from hub.stream.topics import ensure_topics, hub_topics

__all__ = ["materialise"]

log = structlog.get_logger(__name__)


def _role(
    match_interval_s: float | None, serve: tuple[str, int] | None
) -> Callable[[HubSettings, asyncio.Event], Awaitable[None]]:
    async def run(settings: HubSettings, stop: asyncio.Event) -> None:
        async with kafka_cluster(settings) as kafka:
            topics = [*hub_topics(settings.stream), decisions_topic_spec(settings), *api_topics(settings)]
            await ensure_topics(kafka, topics, settings.stream)
            store = open_store(settings)
            async with contextlib.AsyncExitStack() as stack:
                if serve is not None:
                    await stack.enter_async_context(sparql_server(settings, kafka, store, host=serve[0], port=serve[1]))
                async with asyncio.TaskGroup() as group:
                    group.create_task(run_materialiser(settings, kafka, stop, store=store))
                    if match_interval_s:
                        group.create_task(run_matcher(settings, kafka, store, stop, interval_s=match_interval_s))

    return run


@click.command()
@click.option(
    "--match-interval-s",
    type=click.FloatRange(min=1),
    default=None,
    help="Also run the cross-platform matcher this often (seconds) and publish its links.",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Also answer SPARQL (GET/POST /sparql, an analyst or admin token) from this instance's own store.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve SPARQL on (with --serve).")
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8090,
    show_default=True,
    help="Port to serve SPARQL on (with --serve; 0 picks a free one, logged as materialise.serving).",
)
@pass_settings
def materialise(settings: HubSettings, match_interval_s: float | None, serve: bool, host: str, port: int) -> None:
    """Keep the RDF store (HUB_DUMP__STORE_DIR) equal to the entity, statistics and link topics until Ctrl-C.

    The store records the Kafka offsets it has applied with the data, so a restart goes on where it stopped, and
    a deleted store is rebuilt from the compacted topics. Each instance keeps a whole copy in its own state
    directory, so with --serve more instances (each its own HUB_STATE_DIR and --port) answer more queries.
    """
    try:
        run_until_signalled(settings, _role(match_interval_s, (host, port) if serve else None))
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
