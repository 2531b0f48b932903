"""``hub dump --catch-up`` against a real broker: the dump reflects everything committed before it started."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.config import StreamSettings
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, hub_topics
from tests.dump.records import platform, project

pytestmark = pytest.mark.integration


async def _publish(kafka: KafkaClients, prefix: str) -> None:
    await ensure_topics(kafka, hub_topics(StreamSettings(topic_prefix=prefix)), StreamSettings(topic_prefix=prefix))
    producer = kafka.transactional_producer(f"{prefix}-tx")
    await producer.start()
    try:
        async with producer.transaction():
            for record in (project("scistarter", "a", "Alpha"), project("zooniverse", "b", "Beta")):
                await producer.send(f"{prefix}.projects.v1", key=record.iri.encode(), value=record.to_jsonld_bytes())
            zooniverse = platform("zooniverse", "Zooniverse", "https://www.zooniverse.org")
            await producer.send(
                f"{prefix}.platforms.v1", key=zooniverse.iri.encode(), value=zooniverse.to_jsonld_bytes()
            )
            gone = project("scistarter", "gone", "Deleted")
            await producer.send(f"{prefix}.projects.v1", key=gone.iri.encode(), value=gone.to_jsonld_bytes())
            await producer.send(f"{prefix}.projects.v1", key=gone.iri.encode(), value=None)
    finally:
        await producer.stop()


def test_dump_catch_up_then_write(
    kafka: KafkaClients, unique_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hub dump --catch-up reads the topics to their end, then dumps exactly the live records."""
    asyncio.run(_publish(kafka, unique_name))
    for name, value in kafka.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_STREAM__TOPIC_PREFIX", unique_name)
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_LOG_FORMAT", "json")
    result = CliRunner().invoke(main, ["dump", "--catch-up", "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    (directory,) = (tmp_path / "out").iterdir()
    manifest = orjson.loads((directory / "manifest.json").read_bytes())
    assert manifest["records"] == 3
    assert {(c["entityType"], c["platform"]) for c in manifest["counts"]} == {
        ("project", "scistarter"),
        ("project", "zooniverse"),
        ("platform", "zooniverse"),
    }
    offsets = {o["topic"]: o["nextOffset"] for o in manifest["kafkaOffsets"]}
    # Positions after the one transaction's commit marker: 4 project records + 1, and 1 platform record + 1.
    assert offsets[f"{unique_name}.projects.v1"] == 5
    assert offsets[f"{unique_name}.platforms.v1"] == 2
    nquads = gzip.decompress((directory / "hub.nq.gz").read_bytes()).decode()
    assert "/project/scistarter/gone" not in nquads
