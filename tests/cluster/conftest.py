"""A three-node KRaft cluster on loopback for fault tests (opt-in: three JVMs are heavy).

Run with ``HUB_TEST_CLUSTER=1`` (``make test-faults``); without it these tests are skipped. The cluster is started
with ``hub kafka start --brokers 3`` and stopped with ``hub kafka stop``, and the teardown fails when any node's
process is left, so every run also tests the commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.config import LocalKafkaSettings
from hub.localkafka import ClusterInfo, LocalKafka, _process_alive
from hub.localkafka_probe import partition_leader
from hub.stream.kafka import KafkaClients

_ENABLED = os.environ.get("HUB_TEST_CLUSTER", "").lower() in {"1", "true", "yes"}
_CACHE_DIR = Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "citsci-hub"))
BROKERS = 3
NODE_HEAP_MB = 384


@dataclass(frozen=True)
class Cluster:
    """The running cluster and the means to hurt it."""

    kafka: LocalKafka
    state_dir: Path

    @property
    def info(self) -> ClusterInfo:
        info = self.kafka.status()
        assert info is not None, "the test cluster is not running"
        return info

    @property
    def clients(self) -> KafkaClients:
        return self.info.clients()

    def kill(self, node_id: int) -> None:
        """SIGKILL one node (a crash: no controlled shutdown, open transactions and all)."""
        assert self.kafka.kill_node(node_id), f"node {node_id} was not running"

    def restart(self, node_id: int) -> None:
        """Start a killed node again on its ports and wait until it serves."""
        self.kafka.start_node(node_id)

    async def leader(self, topic: str, partition: int = 0) -> int:
        return await partition_leader(self.clients, topic, partition)

    def active_controller(self) -> int:
        return self.kafka.quorum().leader_id


def hub_command(state_dir: Path, *args: str, timeout_s: float = 240.0) -> subprocess.CompletedProcess[str]:
    """Run ``hub <args>`` against ``state_dir``'s local Kafka, with no other HUB_* setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {
        "HUB_STATE_DIR": str(state_dir),
        "HUB_CACHE_DIR": str(_CACHE_DIR),
        "HUB_LOCAL_KAFKA__HEAP_MB": str(NODE_HEAP_MB),
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )


@pytest.fixture(scope="session")
def _cluster_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not _ENABLED:
        pytest.skip("cluster tests are opt-in: set HUB_TEST_CLUSTER=1 (make test-faults)")
    state_dir = tmp_path_factory.mktemp("cluster")
    started = hub_command(state_dir, "kafka", "start", "--brokers", str(BROKERS))
    kafka = LocalKafka(
        LocalKafkaSettings(brokers=BROKERS, heap_mb=NODE_HEAP_MB), state_dir=state_dir, cache_dir=_CACHE_DIR
    )
    if started.returncode != 0:
        kafka.stop()
        pytest.fail(f"hub kafka start --brokers {BROKERS} failed:\n{started.stdout}\n{started.stderr}")
    yield Cluster(kafka, state_dir)
    running = kafka.status()
    pids = [n.pid for n in running.nodes] if running else []
    stopped = hub_command(state_dir, "kafka", "stop")
    left = [pid for pid in pids if _process_alive(pid)]
    assert kafka.status() is None or left, "a node runs that was not running before the stop"  # also reaps
    if left:
        kafka.stop()
    assert stopped.returncode == 0, stopped.stderr
    assert left == [], f"hub kafka stop left node processes {left}"


@pytest.fixture
def cluster(_cluster_session: Cluster) -> Cluster:
    """The session's cluster with every node up (a test that killed one and failed leaves it down)."""
    _cluster_session.kafka.start()
    return _cluster_session
