"""``hub materialise``: run the materialiser role alone (and, optionally, the cross-platform matcher)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import click
import structlog

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.dump.links import decisions_topic_spec
from hub.dump.matcher import run_matcher
from hub.dump.materialiser import open_store, run_materialiser
from hub.errors import HubError
from hub.runtime import kafka_cluster, run_until_signalled
from hub.stream.topics import ensure_topics, hub_topics

__all__ = ["materialise"]

log = structlog.get_logger(__name__)


def _role(match_interval_s: float | None) -> Callable[[HubSettings, asyncio.Event], Awaitable[None]]:
    async def run(settings: HubSettings, stop: asyncio.Event) -> None:
        async with kafka_cluster(settings) as kafka:
            await ensure_topics(kafka, [*hub_topics(settings.stream), decisions_topic_spec(settings)], settings.stream)
            store = open_store(settings)
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
@pass_settings
def materialise(settings: HubSettings, match_interval_s: float | None) -> None:
    """Keep the RDF store (HUB_DUMP__STORE_DIR) equal to the entity, statistics and link topics until Ctrl-C.

    The store records the Kafka offsets it has applied with the data, so a restart goes on where it stopped, and
    a deleted store is rebuilt from the compacted topics.
    """
    try:
        run_until_signalled(settings, _role(match_interval_s))
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
