"""While `hub up` runs (and holds the RDF store), `hub query` and `hub dump` work through its API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.stream.kafka import KafkaClients

pytestmark = pytest.mark.integration

_HUB = [sys.executable, "-m", "hub"]


def _logged(log: Path, event: str, proc: subprocess.Popen[bytes], timeout_s: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("event") == event:
                return dict(entry)
        if proc.poll() is not None:
            pytest.fail(f"hub up exited with {proc.returncode}: {log.read_text()[-3000:]}")
        time.sleep(0.2)  # polling a log file the child appends to; the deadline bounds the wait
    pytest.fail(f"hub up did not log {event} within {timeout_s}s: {log.read_text()[-3000:]}")


def test_query_and_dump_use_the_running_hubs_api(
    tmp_path: Path, kafka: KafkaClients, unique_name: str, unused_tcp_port: int
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            **kafka.environment(),
            "HUB_STATE_DIR": str(tmp_path / "state"),
            "HUB_STREAM__TOPIC_PREFIX": unique_name,
            "HUB_API__PORT": str(unused_tcp_port),
            "HUB_LOG_FORMAT": "json",
        }
    )
    log = tmp_path / "hub-up.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([*_HUB, "up"], env=env, stderr=sink, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        _logged(log, "hub.up", proc, timeout_s=120)
        query = subprocess.run(  # noqa: S603
            [*_HUB, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert query.returncode == 0, query.stderr
        assert f"asking its API at http://127.0.0.1:{unused_tcp_port}/sparql" in query.stderr
        assert query.stdout.splitlines()[0].strip() == "n"
        assert query.stdout.splitlines()[1].strip().isdigit()

        dump = subprocess.run(  # noqa: S603
            [*_HUB, "dump"], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert dump.returncode == 0, dump.stderr
        assert "(POST /dump)" in dump.stderr
        assert dump.stdout.startswith("dump ")
        assert "hub.nq.gz" in dump.stdout
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
