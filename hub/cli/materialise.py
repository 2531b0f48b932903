"""``hub materialise``: run the materialiser role alone (and, optionally, the cross-platform matcher)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress

import click
import structlog

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.dump.links import LinkService, decisions_topic_spec, match_and_publish
from hub.dump.materialiser import open_store, run_materialiser
from hub.dump.store import HubStore
from hub.errors import HubError
from hub.runtime import kafka_cluster, run_until_signalled
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, hub_topics

__all__ = ["materialise"]

log = structlog.get_logger(__name__)


async def _match_every(
    settings: HubSettings, kafka: KafkaClients, store: HubStore, interval_s: float, stop: asyncio.Event
) -> None:
    # A fixed id: a restarted matcher fences a zombie one still publishing.
    async with LinkService(settings, kafka, transactional_id=f"{settings.stream.topic_prefix}.hub.matcher") as service:
        while not stop.is_set():
            try:
                await match_and_publish(store, service)
            except HubError as exc:
                log.exception("matcher.failed", error=str(exc))
            with suppress(TimeoutError):  # asyncio.timeout: never swallows a cancellation (wait_for can on 3.11)
                async with asyncio.timeout(interval_s):
                    await stop.wait()


def _role(match_interval_s: float | None) -> Callable[[HubSettings, asyncio.Event], Awaitable[None]]:
    async def run(settings: HubSettings, stop: asyncio.Event) -> None:
        async with kafka_cluster(settings) as kafka:
            await ensure_topics(kafka, [*hub_topics(settings.stream), decisions_topic_spec(settings)], settings.stream)
            store = open_store(settings)
            async with asyncio.TaskGroup() as group:
                group.create_task(run_materialiser(settings, kafka, stop, store=store))
                if match_interval_s:
                    group.create_task(_match_every(settings, kafka, store, match_interval_s, stop))

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
