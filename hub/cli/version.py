"""``hub version``."""

from __future__ import annotations

import click

from hub import __version__
from hub.cli._root import pass_settings
from hub.config import HubSettings

__all__ = ["version"]


@click.command()
@pass_settings
def version(settings: HubSettings) -> None:
    """Print the hub's version and the Apache Kafka version it runs locally."""
    click.echo(f"citsci-hub {__version__} (local Apache Kafka {settings.local_kafka.version})")
