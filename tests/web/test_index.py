"""The directory index: batches with offsets, tombstones, statistics history, search input as plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.web.index import DirectoryIndex, IndexChange, SearchQuery, fts_query
from tests.web.conftest import P, project


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('birds" OR NEAR(x*) -- ;') == '"birds" "OR" "NEAR" "x"'
    assert fts_query("  ;;  ") is None


def test_batches_offsets_and_tombstones_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "directory.sqlite3"
    index = DirectoryIndex(path)
    index.apply([project("zooniverse", "1", "Bird count"), project("zooniverse", "2", "Bee count")], {("t", 0): 2})
    assert index.search(SearchQuery(text="bird")).total == 1  # stemmed: "bird" finds "Bird"s and "birds"
    index.apply([IndexChange("projects", f"{P}zooniverse/1", None)], {("t", 0): 3})
    assert index.search(SearchQuery(text="bird")).total == 0
    assert index.search(SearchQuery()).facets["platform"] == [("zooniverse", 1)]  # facet cache was cleared
    index.close()
    reopened = DirectoryIndex(path)
    assert reopened.offsets() == {("t", 0): 3}
    assert reopened.project_count() == 1
    reopened.close()


def test_a_failed_batch_changes_nothing() -> None:
    index = DirectoryIndex()
    with pytest.raises(ValueError, match="contributions"):
        index.apply([project("zooniverse", "1", "Kept?"), IndexChange("contributions", "k", {})], {("t", 0): 9})
    assert index.project_count() == 0
    assert index.offsets() == {}


def test_statistics_keep_every_period() -> None:
    index = DirectoryIndex()
    key = f"{P}zooniverse/1"
    for month in ("01", "02"):
        stats = {"id": f"{key}/{month}", "project": key, "periodStart": f"2025-{month}-01", "classificationCount": 1}
        index.apply([IndexChange("statistics", key, stats)])
    assert [s["periodStart"] for s in index.statistics([key])] == ["2025-01-01", "2025-02-01"]
    index.apply([IndexChange("statistics", key, None)])
    assert index.statistics([key]) == []
