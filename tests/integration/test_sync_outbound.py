"""`hub sync` applies the worker's outbound-address check, and records the refused run in the run history."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.config import HubSettings, StreamSettings
from hub.stream.changes import read_topics
from hub.stream.kafka import KafkaClients
from hub.stream.topics import runs_topic
from hub.worker.runs import RunRecord

pytestmark = pytest.mark.integration


def test_hub_sync_refuses_a_loopback_platform_and_records_the_failed_run(
    kafka: KafkaClients, unique_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "zoo.yaml"
    config.write_text("name: zoo-local\ntype: zooniverse\nconfig:\n  base_url: http://127.0.0.1:9/api/\n")
    for name, value in kafka.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_STREAM__TOPIC_PREFIX", unique_name)
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(main, ["sync", "--config", str(config)])
    assert result.exit_code == 1
    assert "config.base_url: host '127.0.0.1' resolves to 127.0.0.1, a loopback address" in result.output
    assert "HUB_API__OUTBOUND_ALLOW" in result.output

    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    runs = [
        RunRecord.model_validate_json(m.value or b"") for m in asyncio.run(read_topics(kafka, [runs_topic(settings)]))
    ]
    assert [(run.connector, run.outcome) for run in runs] == [("zoo-local", "running"), ("zoo-local", "failed")]
    assert runs[-1].worker.startswith("hub-sync@")
    assert runs[-1].error is not None
    assert "loopback" in runs[-1].error
