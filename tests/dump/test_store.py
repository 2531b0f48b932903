from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.store import STATE_GRAPH, Change, HubStore
from hub.errors import DumpError
from hub.schema import HubModel

from .records import canonical, expected_dataset, project, statistics

TOPIC = "t.projects.v1"


def _upsert(record: HubModel, *, topic: str = TOPIC, key: str | None = None) -> Change:
    (result,) = expand_records([record.to_jsonld_bytes()])
    assert isinstance(result, ExpandedRecord)
    return Change(topic, key or record.partition_key(), result.iri, result.quads)


def _record_quads(store: HubStore) -> list[ox.Quad]:
    return [q for q in store.record_quads() if q.graph_name != STATE_GRAPH]


def test_upsert_replaces_and_tombstone_removes(tmp_path: Path) -> None:
    """A new version replaces the record's triples; a tombstone removes its graph; offsets are kept with them."""
    store = HubStore(tmp_path / "store")
    a1, b = project("scistarter", "a", "Alpha"), project("scistarter", "b", "Beta")
    store.apply([_upsert(a1), _upsert(b)], {(TOPIC, 0): 2})
    assert canonical(_record_quads(store)) == expected_dataset([a1, b])
    a2 = project("scistarter", "a", "Alpha renamed", url="https://alpha.example.org/")
    store.apply([_upsert(a2), Change(TOPIC, b.iri, None)], {(TOPIC, 0): 4})
    assert canonical(_record_quads(store)) == expected_dataset([a2])
    assert {g.value for g in store.record_graphs()} == {a2.iri}
    assert store.offsets() == {(TOPIC, 0): 4}


def test_offsets_and_data_survive_reopening(tmp_path: Path) -> None:
    """Reopening the store gives back the same triples and the offsets they reflect."""
    a = project("scistarter", "a", "Alpha")
    store = HubStore(tmp_path / "store")
    store.apply([_upsert(a)], {(TOPIC, 0): 7, ("t.links.v1", 2): 3})
    store.flush()
    del store
    reopened = HubStore(tmp_path / "store")
    assert reopened.offsets() == {(TOPIC, 0): 7, ("t.links.v1", 2): 3}
    assert canonical(_record_quads(reopened)) == expected_dataset([a])


def test_statistics_of_each_period_are_records_of_their_own(tmp_path: Path) -> None:
    """Statistics are keyed by their own IRI (project + period): a new period adds, a tombstone removes one."""
    store = HubStore(None)
    january, february = statistics("zooniverse", "12", 1, 40), statistics("zooniverse", "12", 2, 55)
    assert january.partition_key() == january.iri != february.partition_key()
    store.apply([_upsert(january, topic="t.statistics.v1")], {("t.statistics.v1", 0): 1})
    store.apply([_upsert(february, topic="t.statistics.v1")], {("t.statistics.v1", 0): 2})
    assert canonical(_record_quads(store)) == expected_dataset([january, february])
    store.apply([Change("t.statistics.v1", january.partition_key(), None)], {("t.statistics.v1", 0): 3})
    assert canonical(_record_quads(store)) == expected_dataset([february])


def test_last_change_of_a_key_in_a_batch_wins() -> None:
    """Within one batch, only the last change of a key counts."""
    store = HubStore(None)
    a1, a2 = project("scistarter", "a", "One"), project("scistarter", "a", "Two")
    store.apply([_upsert(a1), Change(TOPIC, a1.iri, None), _upsert(a2)], {(TOPIC, 0): 3})
    assert canonical(_record_quads(store)) == expected_dataset([a2])
    store.apply([_upsert(a1), Change(TOPIC, a1.iri, None)], {(TOPIC, 0): 5})
    assert _record_quads(store) == []


def test_a_refused_batch_changes_nothing() -> None:
    """A batch with an invalid record IRI is refused whole: the valid records in it and its offsets are not applied."""
    store = HubStore(None)
    a = project("scistarter", "a", "Alpha")
    store.apply([_upsert(a)], {(TOPIC, 0): 1})
    valid = _upsert(project("scistarter", "b", "Beta"))
    broken = Change(TOPIC, "k2", "https://example.org/a b", [])
    with pytest.raises(DumpError, match=r"invalid IRI 'https://example.org/a b'"):
        store.apply([valid, broken], {(TOPIC, 0): 9})
    assert store.offsets() == {(TOPIC, 0): 1}
    assert canonical(_record_quads(store)) == expected_dataset([a])


def test_a_record_moving_to_another_key_is_not_removed_by_the_old_keys_tombstone() -> None:
    """When a second key publishes the same IRI, it owns the graph: the first key's tombstone leaves it alone."""
    store = HubStore(None)
    first = project("scistarter", "a", "Listed under an old key")
    second = project("scistarter", "a", "Listed under a new key")
    store.apply([_upsert(first, key="old-key")], {(TOPIC, 0): 1})
    store.apply([_upsert(second, topic="t.other.v1", key="new-key")], {("t.other.v1", 0): 1})
    assert canonical(_record_quads(store)) == expected_dataset([second])
    store.apply([Change(TOPIC, "old-key", None)], {(TOPIC, 0): 2})
    assert canonical(_record_quads(store)) == expected_dataset([second])
    store.apply([Change("t.other.v1", "new-key", None)], {("t.other.v1", 0): 2})
    assert _record_quads(store) == []
