"""The per-connector state's records, without a broker: what is written for a plan, how marks split and are read."""

from __future__ import annotations

import orjson
import pytest

from hub.errors import StreamError
from hub.stream.changes import HashIndex, IndexEntry, RawIndex
from hub.stream.normalise import BatchPlan
from hub.stream.sync_state import SyncState, mark_messages, state_messages, sweep_mark

SOURCE = "/connectors/mine"


def _state() -> SyncState:
    return SyncState(topic="t", source=SOURCE)


def test_only_changed_entries_are_written_and_deletions_are_tombstones() -> None:
    index = HashIndex(
        {"a": IndexEntry("projects", "h1", SOURCE, "project:1"), "b": IndexEntry("projects", "h2", SOURCE)}
    )
    plan = BatchPlan(
        index_updates={
            "a": IndexEntry("projects", "h1", SOURCE, "project:1"),  # unchanged: nothing
            "b": None,  # deleted: tombstone
            "c": IndexEntry("links", "h3", SOURCE, "link:3"),  # new
        },
        raw_updates={"project:1": "r1", "link:3": "r3"},
        dead_letter_updates={"project:9": "s9"},
    )
    raw = RawIndex({"project:1": "r1"})
    messages = state_messages("t", plan, index, raw, {})
    written = {(m.key or b"").decode(): m.value for m in messages}
    assert written == {
        "e/b": None,
        "e/c": b'{"e":"links","h":"h3","r":"link:3"}',
        "r/link:3": b'{"h":"r3"}',
        "d/project:9": b'{"h":"s9"}',
    }


def test_marks_split_below_the_budget_and_read_back() -> None:
    seen = {sweep_mark(f"iri-{i}") for i in range(10_000)}
    messages = mark_messages("t", 7, seen, {"project:1"}, part_bytes=20_000)
    assert len(messages) > 5
    assert all(len(m.value or b"") < 20_100 for m in messages)
    assert {(m.key or b"").decode() for m in messages} == {f"m/7/{n}" for n in range(len(messages))}
    state = _state()
    for message in messages:
        state.observe((message.key or b"").decode(), message.value)
    state.settle_marks()
    assert state.seen == seen
    assert state.failed == {"project:1"}


def test_marks_of_a_completed_sweep_read_after_the_next_sweeps_do_not_count() -> None:
    """Partitions interleave: an old sweep's record and its tombstone may be read after the new sweep's marks."""
    state = _state()
    state.observe("m/4/0", orjson.dumps({"seen": ["new"], "failed": []}))
    state.observe("m/2/0", orjson.dumps({"seen": ["old"], "failed": ["project:1"]}))
    state.observe("m/2/0", None)
    state.settle_marks()
    assert (state.seen, state.failed, state.mark_keys) == ({"new"}, set(), {"m/4/0"})


def test_entries_tombstones_and_meta_are_read() -> None:
    state = _state()
    assert state.empty
    state.observe("e/x", b'{"e":"projects","h":"h","r":"project:1"}')
    state.observe("r/project:1", b'{"h":"r"}')
    state.observe("d/project:2", b'{"h":"s"}')
    state.observe("meta", b'{"version":1}')
    assert state.index.get("x") == IndexEntry("projects", "h", SOURCE, "project:1")
    assert (state.raw.hashes, state.dead_letters, state.complete) == ({"project:1": "r"}, {"project:2": "s"}, True)
    state.observe("e/x", None)
    state.observe("r/project:1", None)
    assert state.index.get("x") is None
    assert state.raw.hashes == {}


def test_a_malformed_state_record_says_where() -> None:
    with pytest.raises(StreamError, match=r"invalid sync state record at t/e/x"):
        _state().observe("e/x", b"not json")
