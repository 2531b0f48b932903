"""Re-derivation from the raw topic, dead-letter replay after a fix, and the operator commands, on a real broker."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import orjson
import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.config import HubSettings, StreamSettings
from hub.connectors import RawRecord
from hub.schema.base import HubModel
from hub.stream.changes import read_topics
from hub.stream.dlq import list_dead_letters, replay_dead_letters
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import run_sync
from hub.stream.rederive import rederive_platform
from hub.stream.topics import dlq_topic, entity_topic
from tests.stream.fakes import BASE, FakeConnector, Thing, http_client, row

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner_consumer.py"


class FixedFakeConnector(FakeConnector):
    """The same platform after a mapping change: broken records map, and names of multiples of 10 are upper-cased."""

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = record.payload
        name = payload["title"].upper() if int(record.native_id) % 10 == 0 else payload["title"]
        return [Thing(iri=BASE + record.native_id, project_name=name)]


@pytest.fixture
def settings(unique_name: str) -> HubSettings:
    return HubSettings(stream=StreamSettings(topic_prefix=unique_name))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_replay_platform_publishes_only_what_the_new_mapping_changes(
    kafka: KafkaClients, settings: HubSettings, session: aiohttp.ClientSession
) -> None:
    """Re-deriving 100 raw records with a mapping that changes 10 of them publishes exactly those 10."""
    old = FakeConnector([row(i) for i in range(1, 101)], http=http_client(session))
    await run_sync("fake-1", old, kafka=kafka, settings=settings)
    new = FixedFakeConnector([], http=http_client(session))  # no rows: the platform is not asked
    summary = await rederive_platform("fake", "fake-1", new, kafka=kafka, settings=settings)
    assert (summary.records, summary.published, summary.unchanged, summary.dead_lettered) == (100, 10, 90, 0)
    changed = (await read_topics(kafka, [entity_topic(settings, "projects")]))[100:]
    assert [m.key_text for m in changed] == [BASE + str(i) for i in range(10, 101, 10)]
    assert changed[0].value is not None
    assert orjson.loads(changed[0].value)["projectName"] == "PROJECT 10"
    again = await rederive_platform("fake", "fake-1", new, kafka=kafka, settings=settings)
    assert (again.published, again.unchanged) == (0, 100)


async def test_dead_letters_replay_after_a_fix(
    kafka: KafkaClients, settings: HubSettings, session: aiohttp.ClientSession
) -> None:
    """Two dead letters replayed with a fixed mapping are published and then listed as replayed."""
    rows = [row(i) for i in range(1, 21)]
    rows[3] = row(4, broken=True)
    rows[16] = row(17, broken=True)
    await run_sync("fake-1", FakeConnector(rows, http=http_client(session)), kafka=kafka, settings=settings)
    letters = await list_dead_letters(kafka, settings)
    assert [(letter.native_id, letter.error_kind, letter.connector) for letter in letters] == [
        ("4", "mapping", "fake-1"),
        ("17", "mapping", "fake-1"),
    ]
    assert "title is missing" in letters[0].error_message
    summary = await replay_dead_letters(
        letters,
        "fake-1",
        FixedFakeConnector([], http=http_client(session)),
        kafka=kafka,
        settings=settings,
    )
    assert (summary.records, summary.published, summary.dead_lettered) == (2, 2, 0)
    keys = [m.key_text for m in await read_topics(kafka, [entity_topic(settings, "projects")])]
    assert keys[-2:] == [BASE + "4", BASE + "17"]
    assert await list_dead_letters(kafka, settings) == []
    assert [letter.replayed for letter in await list_dead_letters(kafka, settings, include_replayed=True)] == [
        True,
        True,
    ]


async def _two_syncs(kafka: KafkaClients, settings: HubSettings) -> None:
    """Ten records with one broken, then the same without the first: a dead letter and a deletion."""
    async with aiohttp.ClientSession() as session:
        rows = [row(i) for i in range(1, 11)]
        rows[1] = row(2, broken=True)
        connector = FakeConnector(rows, http=http_client(session))
        await run_sync("fake-1", connector, kafka=kafka, settings=settings)
        del connector.rows[0]
        await run_sync("fake-1", connector, kafka=kafka, settings=settings)


def test_operator_commands_show_dead_letters_and_tail_topics(
    kafka: KafkaClients, settings: HubSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hub dlq list/show` explain the failure; `hub tail` prints each committed record, tombstones included."""
    asyncio.run(_two_syncs(kafka, settings))
    for name, value in kafka.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_STREAM__TOPIC_PREFIX", settings.stream.topic_prefix)
    runner = CliRunner()

    listed = runner.invoke(main, ["dlq", "list"])
    assert listed.exit_code == 0, listed.output
    assert "project 2" in listed.output
    assert "title is missing" in listed.output
    dead = asyncio.run(read_topics(kafka, [dlq_topic(settings)]))
    assert len(dead) == 1  # the second sync met the same failure of the same bytes: not dead-lettered twice
    shown = runner.invoke(main, ["dlq", "show", f"0:{dead[0].offset}"])
    assert shown.exit_code == 0, shown.output
    assert "ce_errorkind: mapping" in shown.output
    assert '"broken": true' in shown.output
    missing = runner.invoke(main, ["dlq", "show", "0:999999"])
    assert missing.exit_code == 1
    assert "no dead letter '0:999999'" in missing.output

    unknown = runner.invoke(main, ["sync", "nope"])
    assert unknown.exit_code == 1
    assert "no connector named 'nope' in the registry; configured: none" in unknown.output
    bare = runner.invoke(main, ["sync"])
    assert bare.exit_code == 2
    assert "give a connector NAME from the registry, or --config FILE" in bare.output

    tailed = runner.invoke(main, ["tail", "projects", "--from-beginning", "--idle-exit", "1"])
    assert tailed.exit_code == 0, tailed.output
    lines = tailed.stdout.splitlines()
    assert [line.split(" ")[1:3] for line in lines] == [
        *(["org.citsci.hub.project.upserted", BASE + str(i)] for i in (1, *range(3, 11))),
        ["org.citsci.hub.project.deleted", BASE + "1"],
        ["org.citsci.hub.project.deleted", BASE + "1"],
    ]
    assert lines[-1].endswith("null (tombstone)")


async def test_example_partner_consumer_prints_records_deletions_and_tombstones(
    kafka: KafkaClients, settings: HubSettings, unique_name: str
) -> None:
    """examples/partner_consumer.py, run as a partner would, prints every committed record with what happened."""
    await _two_syncs(kafka, settings)
    # The example signs in as a partner would, with a SCRAM user; here the hub's own, which may read this topic.
    security = kafka.security
    sign_in, env = [], None
    if security.sasl_username and security.sasl_password:
        sign_in = ["--username", security.sasl_username]
        env = {**os.environ, "PARTNER_KAFKA_PASSWORD": security.sasl_password.get_secret_value()}
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE), "--bootstrap", kafka.bootstrap, "--topic", entity_topic(settings, "projects"),
        "--group", f"{unique_name}-partner", "--from-beginning", *sign_in,
        stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert child.stdout is not None
    try:
        async with asyncio.timeout(60):
            lines = [(await child.stdout.readline()).decode().split() for _ in range(11)]
    finally:
        child.terminate()
        await child.wait()
    assert [line[1:3] for line in lines[:9]] == [
        ["org.citsci.hub.project.upserted", BASE + str(i)] for i in (1, *range(3, 11))
    ]
    assert lines[0][3:] == ["Project", "1"]
    assert lines[9][1:3] == ["org.citsci.hub.project.deleted", BASE + "1"]
    assert lines[10][1:3] == ["tombstone", BASE + "1"]
