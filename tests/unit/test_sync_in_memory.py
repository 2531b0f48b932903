"""`run_sync`'s logic on the in-memory cluster: transactions, change detection, dead letters, sweeps and faults.

The same guarantees are tested on the real broker in tests/stream and tests/integration; here each one is checked
exactly (every transaction, every offset) and fast, including faults a real broker cannot be made to have on cue.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import pytest

from hub.config import HubSettings, StreamSettings
from hub.connectors import RawRecord
from hub.errors import StreamError
from hub.schema import HubModel
from hub.stream import pipeline
from hub.stream.envelope import entity_of_event_type
from hub.stream.pipeline import SyncSummary, run_sync, transactional_id
from hub.stream.state import StateTable
from hub.stream.topics import dlq_topic, entity_topic, internal_topic
from tests.memory_kafka import MemoryCluster, MemoryKafkaClients, StoredRecord
from tests.stream.fakes import BASE, FakeConfig, FakeConnector, WorkerMappedConnector, http_client, row

# The in-memory cluster models aiokafka's clients, so the sync publishes through aiokafka here.
SETTINGS = HubSettings(
    stream=StreamSettings(topic_prefix="mem", partitions=3, publish_give_up_s=1.0, producer="aiokafka")
)
PROJECTS = entity_topic(SETTINGS, "projects")
CURSORS = internal_topic(SETTINGS, "cursors")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def kafka() -> MemoryKafkaClients:
    return MemoryKafkaClients(MemoryCluster(partitions=3))


def _connector(session: aiohttp.ClientSession, rows: list[dict[str, Any]], page_size: int = 100) -> FakeConnector:
    return FakeConnector(rows, http=http_client(session), page_size=page_size)


def _live(records: list[StoredRecord]) -> dict[str, str]:
    """IRI -> project name of what the entity topic holds now (later records win; deleted events and tombstones
    delete)."""
    held: dict[str, str] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        key = record.key.decode() if record.key else ""
        event = entity_of_event_type(dict(record.headers).get("ce_type", b"").decode())
        if record.value is None or (event is not None and event[1] == "deleted"):
            held.pop(key, None)
        else:
            held[key] = json.loads(record.value)["projectName"]
    return held


async def test_each_batch_is_one_transaction_with_its_cursor(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    rows = [row(i) for i in range(1, 251)]
    summary = await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)

    assert (summary.fetched, summary.published, summary.batches, summary.retries) == (250, 250, 3, 0)
    cluster = kafka.cluster
    projects = cluster.committed(PROJECTS)
    assert sorted(r.key or b"" for r in projects) == sorted((BASE + str(i)).encode() for i in range(1, 251))
    cursors = [r for r in cluster.committed(CURSORS) if r.key == b"fake-main"]
    assert len(cursors) == 3
    # Each cursor was committed in the same transaction as its batch's records, and each batch had its own.
    batch_transactions = {r.transaction for r in projects}
    assert {r.transaction for r in cursors} == batch_transactions
    assert len(batch_transactions) == 3
    for number in batch_transactions:
        assert number is not None
        assert cluster.transactions[number].state == "committed"


async def test_an_unchanged_record_is_not_published_again_and_a_changed_one_is(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    rows = [row(i) for i in range(1, 21)]
    await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)
    ends = kafka.cluster.ends(PROJECTS)

    again = await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)
    assert (again.published, again.unchanged) == (0, 20)
    written = [e for tp, end in ends.items() for e in kafka.cluster.logs[tp][end:] if isinstance(e, StoredRecord)]
    assert written == [], "an unchanged sync wrote records to the entity topic"

    rows[4] = row(5, "Project five, renamed")
    changed = await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)
    assert (changed.published, changed.unchanged) == (1, 19)
    assert _live(kafka.cluster.committed(PROJECTS))[BASE + "5"] == "Project five, renamed"


async def test_a_malformed_record_goes_to_the_dead_letter_topic_with_its_reason(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    rows = [row(1), row(2, broken=True), row(3)]
    summary = await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)

    assert (summary.published, summary.dead_lettered) == (2, 1)
    assert set(_live(kafka.cluster.committed(PROJECTS))) == {BASE + "1", BASE + "3"}
    [letter] = [r for r in kafka.cluster.committed(dlq_topic(SETTINGS)) if r.value is not None]
    headers = {name: value.decode() for name, value in letter.headers}
    assert headers["ce_errorkind"] == "mapping"
    assert "title is missing" in headers["ce_errormessage"]
    assert json.loads(letter.value or b"{}") == rows[1], "the dead letter keeps the record as the platform sent it"


async def test_a_complete_snapshot_deletes_what_the_platform_no_longer_lists(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    rows = [row(i) for i in range(1, 11)]
    await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)
    del rows[2]  # project 3 is gone from the platform
    summary = await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)

    assert summary.deleted == 1
    held = _live(kafka.cluster.committed(PROJECTS))
    assert BASE + "3" not in held
    assert len(held) == 9


async def test_progress_reports_running_totals_after_each_committed_batch(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    seen: list[tuple[int, int, int]] = []

    def progress(summary: SyncSummary) -> None:
        seen.append((summary.batches, summary.fetched, summary.published))

    rows = [row(i) for i in range(1, 26)]
    await run_sync(
        "fake-main", _connector(session, rows, page_size=10), kafka=kafka, settings=SETTINGS, progress=progress
    )
    assert seen == [(1, 10, 10), (2, 20, 20), (3, 25, 25)]


async def test_a_lost_commit_acknowledgement_is_retried_without_writing_the_batch_twice(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    kafka.cluster.lose_next_commit_ack(transactional_id(SETTINGS, "fake-main"))
    rows = [row(i) for i in range(1, 31)]
    summary = await run_sync("fake-main", _connector(session, rows, page_size=10), kafka=kafka, settings=SETTINGS)

    assert not kafka.cluster.ack_loss_pending
    assert summary.retries == 1
    keys = [r.key for r in kafka.cluster.committed(PROJECTS)]
    assert len(keys) == 30, "a batch whose commit succeeded but whose answer was lost was written again"
    assert len(set(keys)) == 30


async def test_with_the_cluster_gone_the_sync_fails_within_its_bound_and_the_next_one_resumes(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    cluster = kafka.cluster
    rows = [row(i) for i in range(1, 51)]

    def cut_after_two_batches(summary: SyncSummary) -> None:
        if summary.batches == 2:
            cluster.down = True

    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(StreamError):
        await run_sync(
            "fake-main",
            _connector(session, rows, page_size=10),
            kafka=kafka,
            settings=SETTINGS,
            progress=cut_after_two_batches,
        )
    took = loop.time() - began
    # publish_give_up_s is 1 s here; a few seconds of slack for the backoff between tries, never minutes.
    assert took < 10, f"the sync took {took:.1f} s to give up"
    assert cluster.refused > 0
    assert len(cluster.committed(PROJECTS)) == 20

    cluster.down = False
    resumed = await run_sync("fake-main", _connector(session, rows, page_size=10), kafka=kafka, settings=SETTINGS)
    assert resumed.fetched == 30, "the next sync resumes from the committed cursor"
    keys = [r.key for r in cluster.committed(PROJECTS)]
    assert len(keys) == len(set(keys)) == 50


def _noting_maps(connector: FakeConnector) -> list[str]:
    """Make ``connector`` note the id of every record it maps; returns the list it appends to."""
    mapped: list[str] = []
    original = connector.map

    def map_and_note(record: RawRecord) -> Sequence[HubModel]:
        mapped.append(record.native_id)
        return original(record)

    connector.map = map_and_note  # type: ignore[method-assign]
    return mapped


def _open_transactions(cluster: MemoryCluster) -> list[int]:
    return [number for number, txn in cluster.transactions.items() if txn.state == "open"]


async def test_the_next_batch_is_planned_while_one_commits_and_sent_only_after_it(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    """A broker slow to commit does not stall the hub's own work, and the transactions still commit in order."""
    cluster = kafka.cluster
    connector = _connector(session, [row(i) for i in range(1, 251)])  # three pages, three transactions
    mapped = _noting_maps(connector)
    cluster.hold_commits()
    sync = asyncio.create_task(run_sync("fake-main", connector, kafka=kafka, settings=SETTINGS))
    await cluster.until("the second page mapped", lambda: len(mapped) >= 200)
    # The first transaction is waiting for its commit, the second is planned but not begun.
    assert len(_open_transactions(cluster)) == 1
    assert cluster.committed(PROJECTS) == []
    assert len(mapped) == 200, "a third page was planned before the first committed"
    cluster.release_commits()
    summary = await asyncio.wait_for(sync, 10)

    assert (summary.fetched, summary.published, summary.batches) == (250, 250, 3)
    cursors = [r for r in cluster.committed(CURSORS) if r.key == b"fake-main"]
    assert [json.loads(r.value or b"{}")["batches"] for r in sorted(cursors, key=lambda r: r.offset)] == [1, 2, 3]
    # Each cursor is in the transaction of its own batch's records.
    batch_of_cursor = {r.transaction: json.loads(r.value or b"{}")["batches"] for r in cursors}
    for record in cluster.committed(PROJECTS):
        number = int((record.key or b"").decode().rsplit("/", 1)[1])
        assert batch_of_cursor[record.transaction] == (number - 1) // 100 + 1


async def test_a_transaction_that_fails_stops_the_sync_before_the_planned_next_one_is_sent(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession
) -> None:
    """What was planned ahead of a failed commit is never written: the next sync plans it again from Kafka."""
    cluster = kafka.cluster
    rows = [row(i) for i in range(1, 251)]
    connector = _connector(session, rows)
    mapped = _noting_maps(connector)
    cluster.hold_commits()
    sync = asyncio.create_task(run_sync("fake-main", connector, kafka=kafka, settings=SETTINGS))
    await cluster.until("the second page mapped", lambda: len(mapped) >= 200)
    cluster.down = True
    cluster.release_commits()
    with pytest.raises(StreamError):
        await asyncio.wait_for(sync, 10)
    written = {r.key for log in cluster.logs.values() for r in log if isinstance(r, StoredRecord)}
    assert (BASE + "150").encode() not in written, "the batch planned ahead was sent after its predecessor failed"
    assert cluster.committed(PROJECTS) == []

    cluster.down = False
    again = await run_sync("fake-main", _connector(session, rows), kafka=kafka, settings=SETTINGS)
    assert (again.fetched, again.published) == (250, 250)
    keys = [r.key for r in cluster.committed(PROJECTS)]
    assert len(keys) == len(set(keys)) == 250


def _entity_and_dead_letters(cluster: MemoryCluster) -> tuple[object, ...]:
    """What syncs left on the entity and dead-letter topics and in the cursors, minus ids and times of writing."""

    def comparable(records: list[StoredRecord]) -> list[tuple[object, ...]]:
        return [
            (r.key, r.value, [(n, v) for n, v in r.headers if n not in {"ce_id", "ce_time"}])
            for r in sorted(records, key=lambda r: (r.partition, r.offset))
        ]

    cursors = [
        {k: v for k, v in json.loads(r.value or b"{}").items() if k != "updated_at"}
        for r in cluster.committed(CURSORS)
        if r.key == b"fake-main"
    ]
    return comparable(cluster.committed(PROJECTS)), comparable(cluster.committed(dlq_topic(SETTINGS))), cursors


async def test_with_map_workers_a_sync_writes_what_it_writes_mapping_on_its_loop(
    session: aiohttp.ClientSession,
) -> None:
    """Worker processes change where records are mapped, not what is committed, in which transaction, or when."""
    rows = [row(i, broken=(i % 97 == 0)) for i in range(1, 251)]
    outcomes = []
    for workers in (0, 1):
        kafka = MemoryKafkaClients(MemoryCluster(partitions=3))
        settings = SETTINGS.model_copy(update={"stream": SETTINGS.stream.model_copy(update={"map_workers": workers})})
        connector = WorkerMappedConnector(FakeConfig(), http=http_client(session), rows=rows)
        first = await run_sync("fake-main", connector, kafka=kafka, settings=settings)
        assert (first.fetched, first.published, first.dead_lettered, first.batches) == (250, 248, 2, 3)
        again = await run_sync("fake-main", connector, kafka=kafka, settings=settings)
        assert (again.published, again.unchanged) == (0, 248)
        connector.rows = [*rows[:9], row(10, "Project ten, renamed"), *rows[11:]]  # 10 renamed, 11 gone
        changed = await run_sync("fake-main", connector, kafka=kafka, settings=settings)
        assert (changed.published, changed.deleted) == (1, 1)
        outcomes.append(_entity_and_dead_letters(kafka.cluster))
    in_loop, in_workers = outcomes
    assert in_workers == in_loop


async def test_a_state_topic_that_cannot_be_read_fails_the_sync_with_its_own_error_and_closes_the_cursors(
    kafka: MemoryKafkaClients, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cursors and the state are read side by side; one failing raises its own error, not a group of them."""
    stopped: list[str] = []
    original_stop = StateTable.stop

    async def recording_stop(table: StateTable[Any]) -> None:
        stopped.append(table.topic)
        await original_stop(table)

    async def unreadable(*args: object) -> None:
        raise StreamError("the state topic is unreadable")

    monkeypatch.setattr(StateTable, "stop", recording_stop)
    monkeypatch.setattr(pipeline, "load_sync_state", unreadable)

    with pytest.raises(StreamError, match="the state topic is unreadable"):
        await run_sync("fake-main", _connector(session, [row(1)]), kafka=kafka, settings=SETTINGS)

    assert CURSORS in stopped
    assert kafka.cluster.committed(PROJECTS) == []
