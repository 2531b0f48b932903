"""`hub up` brings up its own Apache Kafka broker and Ctrl-C leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.localkafka import _process_alive
from hub.stream.kafka import KafkaClients

pytestmark = pytest.mark.integration

_HUB = [sys.executable, "-m", "hub"]


def _env(state_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    # Port 0: the API takes a free port, so the test never collides with a hub already on the default 8080.
    env.update({"HUB_STATE_DIR": str(state_dir), "HUB_LOG_FORMAT": "json", "HUB_API__PORT": "0"})
    return env


def _wait_for_event(proc: subprocess.Popen[str], event: str, timeout_s: float) -> dict[str, object]:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            if proc.poll() is not None:
                pytest.fail(f"hub up exited with {proc.returncode} before logging {event}")
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == event:
            return dict(entry)
    pytest.fail(f"hub up did not log {event} within {timeout_s}s")


def test_hub_up_runs_its_broker_and_ctrl_c_stops_everything(tmp_path: Path, kafka: KafkaClients) -> None:
    # kafka is requested only so that a CI run without Java fails here too, like the other tests.
    env = _env(tmp_path / "state")
    proc = subprocess.Popen(  # noqa: S603
        [*_HUB, "up"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        up = _wait_for_event(proc, "hub.up", timeout_s=120)
        assert str(up["bootstrap"]).startswith("127.0.0.1:")
        assert str(up["api"]).startswith("http://127.0.0.1:")

        status = subprocess.run(  # noqa: S603
            [*_HUB, "kafka", "status", "--json"], env=env, capture_output=True, text=True, check=True
        )
        info = json.loads(status.stdout)
        assert info["running"] is True
        assert info["bootstrap"] == up["bootstrap"]
        [node] = info["nodes"]
        assert node["rss_bytes"] > 0
        assert "broker" in node["role"], node
        assert "controller" in node["role"], node
        broker_pid = int(node["pid"])
        assert _process_alive(broker_pid)

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert not _process_alive(broker_pid), "the broker outlived hub up"
        stopped = subprocess.run([*_HUB, "kafka", "status"], env=env, capture_output=True, text=True)  # noqa: S603
        assert stopped.returncode == 1
        assert "not running" in stopped.stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
        subprocess.run([*_HUB, "kafka", "stop"], env=env, capture_output=True, check=False)  # noqa: S603


def test_kafka_start_is_idempotent_and_stop_leaves_no_process(tmp_path: Path, kafka: KafkaClients) -> None:
    env = _env(tmp_path / "state")
    first = subprocess.run([*_HUB, "kafka", "start"], env=env, capture_output=True, text=True)  # noqa: S603
    assert first.returncode == 0, first.stderr[-3000:]
    try:
        second = subprocess.run([*_HUB, "kafka", "start"], env=env, capture_output=True, text=True)  # noqa: S603
        assert second.returncode == 0, second.stderr[-3000:]
        assert first.stdout == second.stdout  # the same broker, same port, same pid
        info = json.loads((tmp_path / "state" / "kafka" / "broker.json").read_text())
        assert _process_alive(int(info["pid"]))
    finally:
        stop = subprocess.run([*_HUB, "kafka", "stop"], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert stop.stdout.strip() == "stopped"
    assert not _process_alive(int(info["pid"]))
    assert not (tmp_path / "state" / "kafka" / "broker.json").exists()


def test_external_bootstrap_starts_no_broker(tmp_path: Path) -> None:
    env = {**_env(tmp_path / "state"), "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    result = subprocess.run([*_HUB, "kafka", "start"], env=env, capture_output=True, text=True)  # noqa: S603
    assert result.returncode != 0
    assert "HUB_KAFKA_BOOTSTRAP=127.0.0.1:1 is set" in result.stderr
    assert not (tmp_path / "state" / "kafka").exists()
