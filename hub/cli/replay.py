"""``hub replay --platform P``: re-derive a platform's records from its raw topic through the current mapping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from hub.cli._root import pass_settings
from hub.cli.sync import connector_record
from hub.config import HubSettings
from hub.errors import HubError
from hub.runtime import kafka_cluster
from hub.stream.connectors import open_connector, record_for_platform
from hub.stream.rederive import RederiveSummary, rederive_platform

__all__ = ["replay"]


async def _replay(
    settings: HubSettings, platform: str, connector: str | None, config: Path | None
) -> tuple[str, RederiveSummary]:
    async with kafka_cluster(settings) as kafka:
        if connector is None and config is None:
            record = await record_for_platform(kafka, settings, platform)
        else:
            record = await connector_record(kafka, settings, connector, config)
        async with open_connector(record, settings) as instance:
            if instance.platform != platform:
                raise click.UsageError(
                    f"connector {record.name!r} ({record.type}) harvests {instance.platform!r}, not {platform!r}"
                )
            summary = await rederive_platform(platform, record.name, instance, kafka=kafka, settings=settings)
        return record.name, summary


@click.command()
@click.option("--platform", required=True, help="Platform slug whose raw topic to re-derive, e.g. zooniverse.")
@click.option("--connector", help="Configured connector whose mapping to use (default: the first for the platform).")
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Connector definition (YAML with type and config) instead of the registry's.",
)
@pass_settings
def replay(settings: HubSettings, platform: str, connector: str | None, config: Path | None) -> None:
    """Re-normalise PLATFORM's raw topic through the current mapping and publish only what changed.

    The platform is not contacted: the verbatim records kept on Kafka are mapped again, so a mapping fix reaches
    every record without a re-harvest.
    """
    try:
        name, summary = asyncio.run(_replay(settings, platform, connector, config))
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"re-derived {summary.records} {platform} records with {name}'s mapping in {summary.duration:.1f}s: "
        f"published {summary.published}, unchanged {summary.unchanged}, dead-lettered {summary.dead_lettered}"
    )
