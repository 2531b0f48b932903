"""``hub kafka fetch|start|stop|status``: the local Apache Kafka broker."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import click

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.errors import KafkaDeployError
from hub.localkafka import LocalKafka

__all__ = ["kafka", "local_kafka"]


def local_kafka(settings: HubSettings) -> LocalKafka:
    """The local broker as the settings describe it."""
    return LocalKafka(settings.local_kafka, state_dir=settings.state_dir, cache_dir=settings.cache_dir)


def _refuse_when_external(settings: HubSettings) -> None:
    if settings.kafka_bootstrap:
        raise click.ClickException(
            f"HUB_KAFKA_BOOTSTRAP={settings.kafka_bootstrap} is set: the hub uses that cluster and runs no broker"
        )


@click.group()
def kafka() -> None:
    """Manage the local single-node Apache Kafka broker (KRaft, loopback only)."""


@kafka.command()
@pass_settings
def fetch(settings: HubSettings) -> None:
    """Download Apache Kafka's jars from Maven Central into the cache (nothing when cached)."""
    try:
        libs = local_kafka(settings).fetch()
    except KafkaDeployError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Apache Kafka {settings.local_kafka.version}: {libs}")


@kafka.command()
@pass_settings
def start(settings: HubSettings) -> None:
    """Start the broker in the background and wait until it serves clients."""
    _refuse_when_external(settings)
    try:
        info = local_kafka(settings).start()
    except KafkaDeployError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Apache Kafka {info.version} listening on {info.bootstrap} (pid {info.pid})")


@kafka.command()
@pass_settings
def stop(settings: HubSettings) -> None:
    """Stop the broker cleanly (SIGTERM, then SIGKILL after the grace period)."""
    stopped = local_kafka(settings).stop()
    click.echo("stopped" if stopped else "not running")


@kafka.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_settings
def status(settings: HubSettings, as_json: bool) -> None:
    """Show whether the broker runs, where it listens and how much memory it uses. Exit 1 when stopped."""
    if settings.kafka_bootstrap:
        click.echo(f"external cluster at {settings.kafka_bootstrap} (HUB_KAFKA_BOOTSTRAP); no local broker")
        return
    info = local_kafka(settings).status()
    if info is None:
        click.echo(json.dumps({"running": False}) if as_json else "not running")
        raise SystemExit(1)
    rss = info.rss_bytes()
    if as_json:
        click.echo(json.dumps({"running": True, **asdict(info), "rss_bytes": rss}))
        return
    uptime = time.time() - info.started_at
    memory = f"{rss / 2**20:.0f} MiB resident" if rss is not None else "memory unknown"
    click.echo(
        f"running: Apache Kafka {info.version} on {info.bootstrap}, pid {info.pid}, up {uptime:.0f}s, {memory}\n"
        f"data: {info.data_dir}\nlog: {info.log_file}"
    )
