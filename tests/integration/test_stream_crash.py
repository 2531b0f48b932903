"""Exactly once across crashes: the publishing process is SIGKILLed mid-sync and restarted.

A read_committed consumer must then see every record exactly once, and the cursor history must be one unbroken
sequence: each committed batch once, no batch twice, none missing.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import sys
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from hub.config import StreamSettings
from hub.stream.changes import read_topics
from hub.stream.kafka import KafkaClients
from hub.stream.state import CursorRecord
from hub.stream.topics import entity_topic, internal_topic, raw_topic, sync_state_topic
from tests.stream.fakes import BASE

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
COUNT = 4000
PAGE = 250


async def _start_child(kafka: KafkaClients, prefix: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.stream_sync_child",
        prefix,
        str(COUNT),
        str(PAGE),
        "0.0",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, **kafka.environment(), "PYTHONPATH": str(ROOT)},
    )


async def _run_until_batches_then_kill(kafka: KafkaClients, prefix: str, batches: int, extra_s: float) -> int:
    """Start a sync, wait until it reports ``batches`` more commits, wait ``extra_s``, SIGKILL it."""
    child = await _start_child(kafka, prefix)
    assert child.stdout is not None
    seen = 0
    async with asyncio.timeout(60):
        while seen < batches:
            line = await child.stdout.readline()
            assert line, "the sync ended before the kill point"
            if line.startswith(b"batch "):
                seen += 1
        await asyncio.sleep(extra_s)
    child.send_signal(signal.SIGKILL)
    assert await child.wait() == -signal.SIGKILL
    return seen


async def _open_transaction(kafka: KafkaClients, topic: str) -> bool:
    """Whether a transaction holds uncommitted records on the topic (high watermark past the stable offset)."""
    tp = TopicPartition(topic, 0)
    uncommitted = kafka.committed_consumer(isolation_level="read_uncommitted")
    committed = kafka.committed_consumer()
    await uncommitted.start()
    await committed.start()
    try:
        return bool((await uncommitted.end_offsets([tp]))[tp] > (await committed.end_offsets([tp]))[tp])
    finally:
        await uncommitted.stop()
        await committed.stop()


async def _kill_inside_a_transaction(kafka: KafkaClients, prefix: str, topic: str) -> bool:
    """Start a sync, SIGKILL it as soon as a transaction is seen open; True when it was still open after the kill.

    The topics exist already (earlier runs made them), so watching starts at once and the kill usually lands in
    one of the run's first transactions.

    A transaction a killed producer left open stays open until the next producer with its id starts, so the check
    after the kill is exact even though the kill itself races with the commit.
    """
    child = await _start_child(kafka, prefix)
    assert child.stdout is not None
    tp = TopicPartition(topic, 0)
    uncommitted = kafka.committed_consumer(isolation_level="read_uncommitted")
    committed = kafka.committed_consumer()
    await uncommitted.start()
    await committed.start()
    try:
        async with asyncio.timeout(60):
            while child.returncode is None:
                if (await uncommitted.end_offsets([tp]))[tp] > (await committed.end_offsets([tp]))[tp]:
                    break
    finally:
        await uncommitted.stop()
        await committed.stop()
    if child.returncode is not None:
        return False
    child.send_signal(signal.SIGKILL)
    await child.wait()
    return await _open_transaction(kafka, topic)


@pytest.mark.parametrize("producer", ["aiokafka", "confluent"])
async def test_sigkill_at_several_points_loses_and_doubles_nothing(
    kafka: KafkaClients, unique_name: str, producer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills between and inside transactions, then a run to the end: every record once, one cursor per batch."""
    monkeypatch.setenv("HUB_STREAM__PRODUCER", producer)  # the sync processes' producer client
    settings = StreamSettings(topic_prefix=unique_name)
    rng = random.Random(6)
    for _ in range(2):
        await _run_until_batches_then_kill(kafka, unique_name, rng.randint(1, 3), rng.uniform(0, 0.03))
    inside = 0
    for _ in range(6):  # the kill races the commit; a few tries give two kills inside a transaction
        inside += await _kill_inside_a_transaction(kafka, unique_name, raw_topic(settings, "fake"))
        if inside == 2:
            break
    assert inside == 2, "could not kill the sync inside a transaction"
    child = await _start_child(kafka, unique_name)
    out, _ = await asyncio.wait_for(child.communicate(), 90)
    assert child.returncode == 0
    assert out.splitlines()[-1].startswith(b"done")
    # The last run fetched only what the killed ones had not committed: the sweep knows the rest through the marks
    # the killed runs stored, so it neither deletes those records nor refuses to sweep.
    assert out.splitlines()[-1].endswith(b"deleted 0 refused False")

    projects = await read_topics(kafka, [entity_topic(settings, "projects")])
    keys = [m.key_text for m in projects]
    assert keys == [BASE + str(i) for i in range(1, COUNT + 1)], "a record is missing, doubled or out of order"
    raw = await read_topics(kafka, [raw_topic(settings, "fake")])
    assert [m.key_text for m in raw] == [f"project:{i}" for i in range(1, COUNT + 1)]
    assert _aborted_records([m.offset for m in raw]) > 0, "the kills inside transactions left no aborted records"

    cursors = [
        CursorRecord.model_validate_json(m.value)
        for m in await read_topics(kafka, [internal_topic(settings, "cursors")])
        if m.value is not None
    ]
    assert [c.batches for c in cursors] == list(range(1, COUNT // PAGE + 1)), "a batch committed twice or not at all"
    assert [c.records for c in cursors] == [PAGE * n for n in range(1, COUNT // PAGE + 1)]
    assert cursors[-1].cursor is None
    assert cursors[-1].sweep_seen == []

    # The connector's state topic agrees with the entity topic: one entry per record, and the sweep's marks
    # (kept there across the kills) all tombstoned by the transaction that completed the snapshot.
    latest: dict[str, bytes | None] = {}
    for message in await read_topics(kafka, [sync_state_topic(settings, "crashy")]):
        latest[message.key_text] = message.value
    assert sorted(k for k, v in latest.items() if k.startswith("e/") and v is not None) == sorted(
        f"e/{BASE}{i}" for i in range(1, COUNT + 1)
    )
    assert any(k.startswith("m/") for k in latest), "the sweep kept no marks"
    assert [k for k, v in latest.items() if k.startswith("m/") and v is not None] == []


def _aborted_records(offsets: list[int]) -> int:
    """Offsets read_committed skipped beyond one commit marker per transaction: records of aborted transactions."""
    return sum(b - a - 1 for a, b in itertools.pairwise(offsets) if b - a > 2)
