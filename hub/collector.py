"""The pace of Python's cyclic garbage collector in the hub's processes.

A sync allocates a few dozen container objects per record (CSV rows, payload dicts, models, messages) and keeps some
for the whole run (the change-detection index, one entry per record). At Python's default pace (a young collection
every 700 allocations, an older one every 10 of those, a full one every 10 older ones once the long-lived objects
have grown by a quarter), the collector walks the batch being built and then the whole index again and again: a sync
of a 1,000,000-row classification export ran 152 full collections over a heap that ends near 700 MB. At the hub's
pace a young collection comes every ``young_threshold`` allocations, a middle-aged one every 20 young ones and a
full one every 100 of those; the same sync ran one full collection and normalised 1.5x as fast, at the same peak
memory, its young and middle-aged collections freeing the same cyclic objects (2,626 and 590) as before (``python -m
bench.bench_classifications_export``; the figures are in docs/connectors.md). Reference counting frees everything else
as before: only cycles wait for the collector, and they are few and young (exceptions with their tracebacks,
finished tasks).
"""

from __future__ import annotations

import gc

__all__ = ["DEFAULT_YOUNG_THRESHOLD", "OLDER_THRESHOLDS", "pace_collector"]

#: Allocations between two young collections at the hub's pace (Python's own is 700).
DEFAULT_YOUNG_THRESHOLD = 50_000
#: Young collections per middle-aged one, and middle-aged per full one (Python's own: 10 and 10). A full
#: collection still waits, as always, until the long-lived objects grew by a quarter since the last one.
OLDER_THRESHOLDS = (20, 100)


def pace_collector(young_threshold: int) -> tuple[int, ...]:
    """Set this process's collector to the hub's pace; ``0`` keeps Python's. Returns the thresholds it replaced.

    Raises:
        ValueError: ``young_threshold`` is negative.
    """
    if young_threshold < 0:
        raise ValueError(f"the young collection threshold is a count of allocations, not {young_threshold}")
    previous = gc.get_threshold()
    if young_threshold:
        gc.set_threshold(young_threshold, *OLDER_THRESHOLDS)
    return previous
