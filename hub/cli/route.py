"""``hub route``: run the partner router alone, as one more member of the router's consumer group."""

from __future__ import annotations

import asyncio

import click

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.errors import HubError
from hub.runtime import kafka_cluster, run_until_signalled, supervised
from hub.stream.router import PartnerRouter

__all__ = ["route"]


async def _route(settings: HubSettings, stop: asyncio.Event) -> None:
    async with kafka_cluster(settings) as kafka:
        # The router creates the hub's topics itself at each session start, so it needs nothing prepared here.
        await supervised("partner-router", lambda: PartnerRouter(kafka, settings).run(stop), stop)


@click.command()
@pass_settings
def route(settings: HubSettings) -> None:
    """Route entity records to the partner topics their subscriptions select, until Ctrl-C.

    Every router of one hub (hub up runs one too) joins one consumer group, so starting more of them shares the
    entity topics' partitions among them: as many routers as partitions help, more stand by.
    """
    try:
        run_until_signalled(settings, _route)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
