"""A single-node Apache Kafka of a test's own, for tests that stop and start their broker.

The shared broker must never be stopped, so such a test runs its own on a fixed port (a restarted broker comes
back on the same address) in the test's state directory, from the jars the session already fetched.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hub.config import LocalKafkaSettings
from hub.errors import KafkaDeployError
from hub.localkafka import LocalKafka

__all__ = ["own_broker"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def own_broker(state_dir: Path, *, stop_timeout_s: float = 30.0) -> Iterator[LocalKafka]:
    """A started broker on a free fixed port, stopped on exit; the test fails if it cannot start.

    Args:
        state_dir: where the broker keeps its logs and metadata.
        stop_timeout_s: how long a stop waits after SIGTERM before SIGKILL (tiny values simulate a crash).
    """
    cache = Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "citsci-hub"))
    settings = LocalKafkaSettings(port=_free_port(), heap_mb=384, stop_timeout_s=stop_timeout_s)
    broker = LocalKafka(settings, state_dir=state_dir, cache_dir=cache)
    try:
        broker.start()
    except KafkaDeployError as exc:
        pytest.fail(f"could not start the test's own broker: {exc}")
    try:
        yield broker
    finally:
        broker.stop()
