"""``hub kafka fetch|start|stop|status``: the local Apache Kafka broker (or a small local cluster)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from typing import Any

import click

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.errors import KafkaDeployError
from hub.localkafka import ClusterInfo, LocalKafka
from hub.localkafka_probe import PartitionState, QuorumState, under_replicated

__all__ = ["kafka", "local_kafka"]

#: Heap of each node of a multi-node cluster unless HUB_LOCAL_KAFKA__HEAP_MB says otherwise: three JVMs share a laptop.
CLUSTER_NODE_HEAP_MB = 384


def local_kafka(settings: HubSettings, brokers: int | None = None) -> LocalKafka:
    """The local broker as the settings describe it (``brokers`` nodes when given)."""
    local = settings.local_kafka
    if brokers is not None:
        update: dict[str, Any] = {"brokers": brokers}
        if brokers > 1 and "heap_mb" not in local.model_fields_set:
            update["heap_mb"] = CLUSTER_NODE_HEAP_MB
        local = local.model_copy(update=update)
    return LocalKafka(local, state_dir=settings.state_dir, cache_dir=settings.cache_dir, security=settings.kafka)


def _refuse_when_external(settings: HubSettings) -> None:
    if settings.kafka_bootstrap:
        raise click.ClickException(
            f"HUB_KAFKA_BOOTSTRAP={settings.kafka_bootstrap} is set: the hub uses that cluster and runs no broker"
        )


def _recorded_brokers(settings: HubSettings) -> int | None:
    """How many nodes the state directory's cluster has (None before its first start)."""
    try:
        return int(json.loads((settings.state_dir / "kafka" / "cluster.json").read_text())["brokers"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@click.group()
def kafka() -> None:
    """Manage the local Apache Kafka (KRaft, loopback only): one node, or a small cluster with --brokers."""


@kafka.command()
@pass_settings
def fetch(settings: HubSettings) -> None:
    """Download Apache Kafka's jars from Maven Central into the cache (nothing when cached)."""
    try:
        libs = local_kafka(settings).fetch()
    except KafkaDeployError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Apache Kafka {settings.local_kafka.version}: {libs}")


def _credentials_line(info: ClusterInfo, settings: HubSettings) -> str:
    if info.credentials is None:
        return "security: PLAINTEXT, no authentication (HUB_LOCAL_KAFKA__SASL=false)"
    where = (
        "HUB_KAFKA__SASL_PASSWORD"
        if settings.kafka.sasl_password is not None
        else str(settings.state_dir / "kafka" / "sasl.password")
    )
    return f"security: SASL_PLAINTEXT, SCRAM-SHA-512, user {info.credentials.username}, password in {where}"


@kafka.command()
@click.option(
    "--brokers",
    type=click.IntRange(1, 5),
    default=None,
    help="Nodes (broker+controller each, a quorum of as many voters); default HUB_LOCAL_KAFKA__BROKERS or 1.",
)
@pass_settings
def start(settings: HubSettings, brokers: int | None) -> None:
    """Start the broker (or every node) in the background and wait until it serves clients."""
    _refuse_when_external(settings)
    try:
        # Without --brokers, a state directory that already holds a cluster starts that cluster again.
        if brokers is None and "brokers" not in settings.local_kafka.model_fields_set:
            brokers = _recorded_brokers(settings)
        info = local_kafka(settings, brokers).start()
    except KafkaDeployError as exc:
        raise click.ClickException(str(exc)) from exc
    nodes = f"{info.brokers} nodes, pids {', '.join(str(n.pid) for n in info.nodes)}"
    click.echo(f"Apache Kafka {info.version} listening on {info.bootstrap} ({nodes})")
    click.echo(_credentials_line(info, settings))


@kafka.command()
@pass_settings
def stop(settings: HubSettings) -> None:
    """Stop the broker (every node) cleanly: SIGTERM, then SIGKILL after the grace period."""
    stopped = local_kafka(settings, _recorded_brokers(settings)).stop()
    click.echo("stopped" if stopped else "not running")


def _roles(node_id: int, quorum: QuorumState | None) -> str:
    if quorum is None:
        return "broker,controller"
    role = "active controller" if node_id == quorum.leader_id else "controller (follower)"
    return f"broker, {role}" if node_id in quorum.brokers else f"{role}, broker not registered"


@kafka.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--no-quorum", is_flag=True, help="Skip asking the quorum for the active controller (a few seconds).")
@pass_settings
def status(settings: HubSettings, as_json: bool, no_quorum: bool) -> None:
    """Show every node (address, role, memory) and the under-replicated partitions. Exit 1 when stopped."""
    if settings.kafka_bootstrap:
        click.echo(f"external cluster at {settings.kafka_bootstrap} (HUB_KAFKA_BOOTSTRAP); no local broker")
        return
    broker = local_kafka(settings, _recorded_brokers(settings))
    info = broker.status()
    if info is None:
        click.echo(json.dumps({"running": False}) if as_json else "not running")
        raise SystemExit(1)
    quorum: QuorumState | None = None
    problems: list[str] = []
    if not no_quorum:
        try:
            quorum = broker.quorum()
        except KafkaDeployError as exc:
            problems.append(str(exc))
    lagging: list[PartitionState] = []
    try:
        lagging = asyncio.run(under_replicated(info.clients(settings.kafka)))
    except Exception as exc:  # noqa: BLE001 - status reports what it cannot learn instead of failing
        problems.append(f"partitions unknown: {exc!r}")
    if as_json:
        click.echo(json.dumps(_status_json(info, quorum, lagging, problems)))
        return
    click.echo(f"running: Apache Kafka {info.version}, {len(info.nodes)} of {info.brokers} nodes up, {info.bootstrap}")
    click.echo(_credentials_line(info, settings))
    live = {n.node_id: n for n in info.nodes}
    for node_id in range(1, info.brokers + 1):
        node = live.get(node_id)
        if node is None:
            click.echo(f"  node {node_id}: DOWN")
            continue
        rss = node.rss_bytes()
        memory = f"{rss / 2**20:.0f} MiB" if rss is not None else "memory unknown"
        click.echo(
            f"  node {node_id}: {node.bootstrap}, {_roles(node_id, quorum)}, pid {node.pid}, "
            f"up {time.time() - node.started_at:.0f}s, {memory}, log {node.log_file}"
        )
    click.echo(f"under-replicated partitions: {len(lagging)}")
    for p in lagging:
        click.echo(f"  {p.topic}[{p.partition}] leader {p.leader} replicas {list(p.replicas)} isr {list(p.isr)}")
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


def _status_json(
    info: ClusterInfo, quorum: QuorumState | None, lagging: list[PartitionState], problems: list[str]
) -> dict[str, Any]:
    return {
        "running": True,
        "bootstrap": info.bootstrap,
        "brokers": info.brokers,
        "active_controller": quorum.leader_id if quorum else None,
        "nodes": [{**asdict(n), "rss_bytes": n.rss_bytes(), "role": _roles(n.node_id, quorum)} for n in info.nodes],
        "under_replicated": [asdict(p) for p in lagging],
        "problems": problems,
    }
