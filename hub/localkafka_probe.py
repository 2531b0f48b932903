"""What a running cluster looks like: each partition's leader and replicas, and the KRaft quorum's controller.

Partition state comes from a metadata request (aiokafka, through ``KafkaClients``). The active controller does
not: in KRaft a broker's metadata answer names a random live broker as "controller", so the quorum is asked
with DescribeQuorum through the Java admin client (``deploy/kafka/QuorumStatus.java``, run from the cached jars).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hub.errors import KafkaDeployError
from hub.security.client_config import java_properties_text
from hub.stream.kafka import KafkaClients

__all__ = [
    "PartitionState",
    "QuorumState",
    "describe_partitions",
    "describe_quorum",
    "partition_leader",
    "under_replicated",
]

_QUORUM_TOOL = "QuorumStatus.java"


@dataclass(frozen=True)
class PartitionState:
    """One partition's leader (-1 when it has none), its replicas and its in-sync replicas."""

    topic: str
    partition: int
    leader: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]

    @property
    def under_replicated(self) -> bool:
        """Fewer replicas in sync than assigned."""
        return len(self.isr) < len(self.replicas)


@dataclass(frozen=True)
class QuorumState:
    """The KRaft controller quorum: its leader (the active controller), voters, observers and live brokers."""

    leader_id: int
    leader_epoch: int
    voters: tuple[int, ...]
    observers: tuple[int, ...]
    brokers: tuple[int, ...]


async def describe_partitions(clients: KafkaClients, topics: list[str] | None = None) -> list[PartitionState]:
    """Every partition of ``topics`` (default: all topics the client may describe), sorted by topic and number."""
    admin = clients.admin()
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    states = [
        PartitionState(
            topic=t["topic"],
            partition=p["partition"],
            leader=p["leader"],
            replicas=tuple(p["replicas"]),
            isr=tuple(p["isr"]),
        )
        for t in described
        for p in t["partitions"]
    ]
    return sorted(states, key=lambda s: (s.topic, s.partition))


async def partition_leader(clients: KafkaClients, topic: str, partition: int = 0) -> int:
    """Node id of the partition's leader, -1 while it has none.

    Raises:
        KafkaDeployError: the topic or partition does not exist.
    """
    for state in await describe_partitions(clients, [topic]):
        if state.partition == partition:
            return state.leader
    raise KafkaDeployError(f"no partition {partition} of topic {topic!r} on {clients.bootstrap}")


async def under_replicated(clients: KafkaClients) -> list[PartitionState]:
    """The partitions with fewer in-sync replicas than replicas."""
    return [s for s in await describe_partitions(clients) if s.under_replicated]


def describe_quorum(clients: KafkaClients, *, java: str, libs_dir: Path, deploy_dir: Path) -> QuorumState:
    """Ask the cluster for its controller quorum (a short-lived JVM; a few seconds).

    Raises:
        KafkaDeployError: the tool failed (cluster unreachable, not authorised, no quorum in time).
    """
    tool = _compiled(deploy_dir / _QUORUM_TOOL, java, libs_dir)
    # The properties may hold the hub's password: a private file, removed as soon as the JVM is done.
    fd, props_name = tempfile.mkstemp(prefix="hub-quorum-", suffix=".properties")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(java_properties_text(clients))
        if tool.suffix == ".java":  # no javac: Java compiles the single-file program at each run
            command = [java, "-cp", f"{libs_dir}/*", str(tool), clients.bootstrap, props_name]
        else:
            command = [java, "-cp", f"{libs_dir}/*:{tool.parent}", tool.stem, clients.bootstrap, props_name]
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)  # noqa: S603
    finally:
        Path(props_name).unlink(missing_ok=True)
    if result.returncode != 0:
        raise KafkaDeployError(f"describing the quorum failed: {result.stderr.strip()[-800:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return QuorumState(
        leader_id=data["leader_id"],
        leader_epoch=data["leader_epoch"],
        voters=tuple(v["id"] for v in data["voters"]),
        observers=tuple(o["id"] for o in data["observers"]),
        brokers=tuple(data["brokers"]),
    )


def _compiled(source: Path, java: str, libs_dir: Path) -> Path:
    """The tool's class file, compiled once beside the jars (saves seconds per run); the source without javac."""
    javac = Path(java).with_name("javac")
    target = libs_dir.parent / "tools" / f"{source.stem}.class"
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    if not javac.is_file():
        return source
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [str(javac), "-cp", f"{libs_dir}/*", "-d", str(target.parent), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603
    return target if result.returncode == 0 and target.is_file() else source
