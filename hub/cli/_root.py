"""The root ``hub`` group: reads the settings once, configures logging and paces the collector for every command."""

from __future__ import annotations

import click

from hub.collector import pace_collector
from hub.config import HubSettings, load_settings
from hub.errors import ConfigError
from hub.logs import configure_logging

__all__ = ["main", "pass_settings"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """CitSci Hub: federates citizen-science platforms into PPSR Core JSON-LD on Apache Kafka.

    Settings come from HUB_* environment variables (see the README); HUB_KAFKA_BOOTSTRAP points the hub at an
    existing cluster, otherwise it runs its own local broker.
    """
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    configure_logging(settings.log_format, settings.log_level)
    pace_collector(settings.gc_young_threshold)
    ctx.obj = settings


pass_settings = click.make_pass_decorator(HubSettings)
