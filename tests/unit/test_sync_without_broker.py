"""`hub sync` with the cluster gone fails within its bound, with a message that says what to check."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_hub_sync_with_no_broker_fails_fast_and_says_why(tmp_path: Path) -> None:
    port = _closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            "HUB_KAFKA_BOOTSTRAP": f"127.0.0.1:{port}",
            "HUB_STATE_DIR": str(tmp_path),
            "HUB_STREAM__PUBLISH_GIVE_UP_S": "5",
            "HUB_KAFKA__REQUEST_TIMEOUT_MS": "5000",
            "HUB_LOG_LEVEL": "ERROR",
        }
    )
    began = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "hub", "sync", "--config", str(ROOT / "examples/connectors/zooniverse.yaml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    took = time.monotonic() - began
    assert done.returncode == 1, done.stderr
    assert f"127.0.0.1:{port}" in done.stderr
    assert "Error:" in done.stderr
    assert "Traceback" not in done.stderr
    assert took < 60, f"took {took:.0f} s"
