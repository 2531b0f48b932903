"""``hub demo`` end to end: from a clean state, the replayed platforms are registered, synced and queryable."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.stream.kafka import KafkaClients

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "demo-test-admin-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_hub_demo_syncs_five_platforms_within_a_minute(kafka: KafkaClients, unique_name: str, tmp_path: Path) -> None:
    """The guide lists every demo connector with records published, and says where to look; Ctrl-C stops it."""
    api_port, replay_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            **kafka.environment(),
            "HUB_STREAM__TOPIC_PREFIX": unique_name,
            "HUB_STATE_DIR": str(tmp_path / "state"),
            "HUB_API__PORT": str(api_port),
            "HUB_API__ADMIN_TOKEN": ADMIN_TOKEN,
            "HUB_LOG_FORMAT": "json",
        }
    )
    out, err = tmp_path / "demo.out", tmp_path / "demo.err"
    command = [sys.executable, "-m", "hub", "demo", "--replay-port", str(replay_port), "--timeout", "60"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)  # noqa: S603 - our own command
    try:
        deadline = time.monotonic() + 90
        while "where to look" not in out.read_text() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)  # polling the child's output for a condition, with a deadline
        guide = out.read_text()
        assert "where to look" in guide, f"{guide}\n--- stderr\n{err.read_text()[-4000:]}"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    took = float(re.search(r"synced in ([0-9.]+)s", guide).group(1))  # type: ignore[union-attr]
    assert took < 60
    rows = re.findall(r"^  (demo-\S+)\s+(\S+)\s+(\S+)\s+(\d+)$", guide, flags=re.MULTILINE)
    published = {platform: int(count) for _, platform, _, count in rows}
    assert len(published) >= 5, guide
    assert all(count > 0 for count in published.values()), guide
    assert f"http://127.0.0.1:{api_port}/docs" in guide
    assert "/sparql" in guide
    assert "hub partners read demo-partner" in guide
    assert proc.returncode == 0, err.read_text()[-4000:]
