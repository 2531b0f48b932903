"""``hub worker``: run connectors only, sharing them with the other workers of the cluster."""

from __future__ import annotations

import click

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.errors import HubError
from hub.runtime import run_until_signalled, run_worker

__all__ = ["worker"]


@click.command()
@pass_settings
def worker(settings: HubSettings) -> None:
    """Run the scheduler and connectors until Ctrl-C; needs HUB_KAFKA_BOOTSTRAP.

    Workers (and hub up) share the connectors through a Kafka consumer group; when one dies, its connectors
    move to the others after HUB_API__WORKER_SESSION_TIMEOUT_MS.
    """
    try:
        run_until_signalled(settings, run_worker)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
