"""The garbage collector's pace: set by every ``hub`` command and handed to map workers, still freeing cycles."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from hub.cli import main as hub_main
from hub.collector import DEFAULT_YOUNG_THRESHOLD, OLDER_THRESHOLDS, pace_collector
from hub.config import HubSettings
from hub.stream.map_pool import MapPool


@pytest.fixture(autouse=True)
def _python_pace() -> Iterator[None]:
    """Each test starts at Python's own pace and leaves the process as it found it."""
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_hub_pace_replaces_pythons_and_says_what_it_replaced() -> None:
    previous = pace_collector(DEFAULT_YOUNG_THRESHOLD)

    assert previous == (700, 10, 10)
    assert gc.get_threshold() == (DEFAULT_YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def test_zero_keeps_pythons_pace() -> None:
    pace_collector(0)

    assert gc.get_threshold() == (700, 10, 10)


def test_a_negative_threshold_is_refused_with_its_value() -> None:
    with pytest.raises(ValueError, match="-5"):
        pace_collector(-5)
    assert gc.get_threshold() == (700, 10, 10)


def test_cyclic_garbage_is_still_freed_without_an_explicit_collection() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    pace_collector(1_000)
    node = Node()
    freed = weakref.ref(node)
    del node
    # Live container allocations are what advance the collector's count (an object freed at once does not).
    allocated: list[list[int]] = [[] for _ in range(3_000)]

    assert freed() is None, "a reference cycle outlived a young collection"
    assert len(allocated) == 3_000


def test_the_setting_defaults_to_the_hub_pace_and_reads_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert HubSettings().gc_young_threshold == DEFAULT_YOUNG_THRESHOLD
    monkeypatch.setenv("HUB_GC_YOUNG_THRESHOLD", "0")
    assert HubSettings().gc_young_threshold == 0


def test_every_hub_command_paces_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_GC_YOUNG_THRESHOLD", "12345")

    result = CliRunner().invoke(hub_main, ["version"])

    assert result.exit_code == 0, result.output
    assert gc.get_threshold() == (12_345, *OLDER_THRESHOLDS)


def _thresholds() -> tuple[int, ...]:
    return gc.get_threshold()


def test_map_workers_collect_at_the_pace_of_the_process_that_started_them() -> None:
    pace_collector(23_456)
    pool = MapPool(1)

    async def ask_a_worker() -> tuple[int, ...]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool._pool(), _thresholds)

    try:
        assert asyncio.run(ask_a_worker()) == (23_456, *OLDER_THRESHOLDS)
    finally:
        pool.close()
