"""Stream a generated Zooniverse classification export through the zooniverse-export connector and its mapping.

For each size (100,000 and 1,000,000 rows by default) it writes an export in the real 14-column shape to a temp
file (streamed, so generating costs no memory either), serves it from a local aiohttp server, and runs the
connector's ``fetch`` and ``map`` over every row: HTTP streaming, incremental CSV splitting, JSON cells, scrubbing,
pseudonymisation and the Contribution model, with the garbage collector at the hub's pace (`hub.collector`,
``HUB_GC_YOUNG_THRESHOLD=0`` for Python's own). It prints rows per second, the peak resident memory during the run
(sampled from /proc, with the process high-water mark beside it), and, as a baseline from the same run, how fast
plain ``csv.reader`` reads the same file (best of three reads, one before and two after the mapping run, so that
a burst of load from other processes does not set the baseline), with the ratio of the two; the target is a ratio of
at least 0.40. The same figures per CPU second of this process are printed beside the wall-clock ones: on a
shared machine they move far less with what else runs. Memory is flat when the peak does not grow with the rows.

It runs three ways over each file: ``fetch + map`` (the connector and its mapping alone), ``fetch + normalise``
(what a sync does with each batch minus Kafka: mapping, validation, JSON-LD, hashes, raw and entity messages) and
the same with ``--map-workers`` worker processes mapping while the next batch is fetched (``HUB_STREAM__MAP_WORKERS``).

    .venv/bin/python -m bench.bench_classifications_export            # 100k and 1M rows
    .venv/bin/python -m bench.bench_classifications_export 20000 200000 --map-workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import json
import random
import resource
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from hub.collector import pace_collector
from hub.config import HubSettings, load_settings
from hub.connectors import HttpClient, RawRecord
from hub.connectors.zooniverse_classification import EXPORT_COLUMNS
from hub.connectors.zooniverse_export import ZooniverseExportConfig, ZooniverseExportConnector
from hub.schema.anonymise import Pseudonymiser
from hub.schema.base import CONTEXT_URL
from hub.stream.changes import HashIndex, RawIndex
from hub.stream.map_pool import ConnectorMapper, MapPool
from hub.stream.mapped import MappedRecord
from hub.stream.normalise import Normaliser

SIZES = (100_000, 1_000_000)


def _metadata(rng: random.Random, started: str, finished: str) -> str:
    return json.dumps(
        {
            "source": "api",
            "session": f"{rng.getrandbits(256):064x}",
            "viewport": {"width": rng.randint(800, 2000), "height": rng.randint(600, 1200)},
            "started_at": started,
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0",
            "utc_offset": "0",
            "finished_at": finished,
            "live_project": True,
            "user_language": "en",
            "user_group_ids": [],
            "subject_dimensions": [
                {"clientWidth": 1090.25, "clientHeight": 676.08, "naturalWidth": 1024, "naturalHeight": 635}
            ],
            "subject_selection_state": {
                "retired": False,
                "selected_at": started,
                "already_seen": False,
                "selection_state": "normal",
            },
        },
        separators=(",", ":"),
    )


def _annotations(rng: random.Random) -> str:
    if rng.random() < 0.5:
        value: object = rng.choice(["Yes", "No", "Not sure"])
        return json.dumps([{"task": "T0", "task_label": "Is there a cat?", "value": value}], separators=(",", ":"))
    points = rng.randint(3, 12)
    path = {
        "frame": 0,
        "pathX": [round(rng.uniform(0, 1024), 2) for _ in range(points)],
        "pathY": [round(rng.uniform(0, 635), 2) for _ in range(points)],
        "tool": 0,
        "details": [],
        "toolType": "freehandLine",
    }
    return json.dumps([{"task": "T1", "task_label": "Draw the cat.", "value": [path]}], separators=(",", ":"))


def write_export(path: Path, rows: int, seed: int = 7) -> int:
    """Write ``rows`` classifications in the real export shape; returns the file size in bytes."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for i in range(rows):
            user = rng.randint(1, 50_000)
            logged_in = rng.random() > 0.1
            second = i % 86_400
            started = f"2025-01-21T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000Z"
            subject = 458_000 + rng.randint(0, 90_000)
            writer.writerow(
                [
                    600_000_000 + i,
                    f"volunteer-{user}" if logged_in else f"not-logged-in-{rng.getrandbits(64):016x}",
                    user if logged_in else "",
                    f"{rng.getrandbits(80):020x}",
                    28_090 + i % 3,
                    "Cat or not\nand where" if i % 1000 == 0 else "Cat or not",
                    "4.4",
                    f"2025-01-21 {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d} UTC",
                    "TRUE" if i % 500 == 0 else "",
                    "",
                    _metadata(rng, started, started),
                    _annotations(rng),
                    json.dumps({str(subject): {"retired": None, "origin": "Flickr", "image_name": f"{subject}.jpg"}}),
                    subject,
                ]
            )
    return path.stat().st_size


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc), or the high-water mark elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return peak_rss_mb()
    return pages * resource.getpagesize() / 1e6


def peak_rss_mb() -> float:
    """The process's resident high-water mark in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


TARGET_RATIO = 0.40


@dataclass(frozen=True)
class Rates:
    """Rows per wall-clock second and per CPU second of this process."""

    wall: float
    cpu: float

    def best(self, other: Rates) -> Rates:
        """The faster of two measurements of the same work, figure by figure."""
        return Rates(max(self.wall, other.wall), max(self.cpu, other.cpu))


def baseline_rates(path: Path) -> Rates:
    """How fast plain csv.reader reads the file: the floor no mapping can beat."""
    start, cpu = time.perf_counter(), time.process_time()
    with path.open(newline="", encoding="utf-8") as f:
        count = sum(1 for _ in csv.reader(f)) - 1
    return Rates(count / (time.perf_counter() - start), count / (time.process_time() - cpu))


@asynccontextmanager
async def _served(path: Path) -> AsyncIterator[ZooniverseExportConnector]:
    """``path`` served by a local aiohttp server, and the export connector reading it."""
    app = web.Application()

    async def export(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(path, headers={"Content-Type": "text/csv"})

    app.router.add_get("/export.csv", export)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            config = ZooniverseExportConfig(
                base_url=f"http://127.0.0.1:{port}/export.csv", project_id="1315", page_size=1000
            )
            pseudonymiser = Pseudonymiser(SecretStr("benchmark-secret-0123456789"))
            yield ZooniverseExportConnector(config, http=HttpClient(session), pseudonymiser=pseudonymiser)
    finally:
        await runner.cleanup()


@dataclass
class Run:
    """One pass over the export: rows read, models or messages made, seconds, CPU seconds, peak RSS sampled."""

    rows: int = 0
    made: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak: float = 0.0


async def stream_through_mapping(path: Path) -> Run:
    """Serve ``path`` and run fetch + map (``made``: contributions).

    The file is served from this process, so the CPU seconds include aiohttp's serving and reading of it.
    """
    run = Run(peak=rss_mb())
    async with _served(path) as connector:
        start, cpu = time.perf_counter(), time.process_time()
        async for batch in connector.fetch(None):
            for record in batch.records:
                run.rows += 1
                run.made += len(connector.map(record))
            run.peak = max(run.peak, rss_mb())
        run.seconds, run.cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return run


async def stream_through_normaliser(path: Path, workers: int) -> Run:
    """Serve ``path`` and run fetch + the sync's normalising of each batch, as ``run_sync`` does minus Kafka.

    Each batch is mapped, validated, serialised to JSON-LD and hashed, and becomes its raw and entity messages
    (``made``: messages). With ``workers`` the mapping runs in a `MapPool` while the next batch is fetched, as the
    sync overlaps them. The CPU seconds are this process's only (the workers' come on top).
    """
    run = Run(peak=rss_mb())
    pool = MapPool(workers) if workers else None
    index, raw = HashIndex(), RawIndex()
    async with _served(path) as connector:
        normaliser: Normaliser[RawRecord] = Normaliser(
            HubSettings(),
            connector="bench-export",
            source="/connectors/bench-export",
            map_record=connector.map,
            index=index,
            raw_index=raw,
            dataschema=CONTEXT_URL,
        )
        mapper = ConnectorMapper.of(connector)
        if pool is not None:
            await pool.start()
        start, cpu = time.perf_counter(), time.process_time()
        deferred: tuple[list[RawRecord], asyncio.Task[list[MappedRecord] | None] | None] | None = None

        def plan(records: list[RawRecord], mapped: list[MappedRecord] | None) -> None:
            if pool is not None and mapped is None:
                raise SystemExit("the map pool failed: see the map_pool warning above")
            result = normaliser.plan(records, mapped)
            result.commit_to(index, raw)
            run.rows += len(records)
            run.made += len(result.messages)

        try:
            async for batch in connector.fetch(None):
                records = list(batch.records)
                mapping = asyncio.create_task(pool.map(mapper, records)) if pool is not None else None
                if deferred is not None:
                    previous, previous_mapping = deferred
                    plan(previous, await previous_mapping if previous_mapping is not None else None)
                deferred = (records, mapping)
                if mapping is None:
                    plan(records, None)
                    deferred = None
                run.peak = max(run.peak, rss_mb())
            if deferred is not None:
                previous, previous_mapping = deferred
                plan(previous, await previous_mapping if previous_mapping is not None else None)
        finally:
            if pool is not None:
                pool.close()
        run.seconds, run.cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return run


def _row(label: str, size: int, file_mb: float, run: Run, baseline: Rates, before: float) -> float:
    rate = Rates(run.rows / run.seconds, run.rows / run.cpu_seconds)
    ratio = rate.wall / baseline.wall
    print(
        f"{label:28s} {size:>10,} {file_mb:>8.0f} {rate.wall:>9,.0f} {baseline.wall:>16,.0f} {ratio:>6.3f}   "
        f"{rate.cpu:>10,.0f} {baseline.cpu:>9,.0f} {rate.cpu / baseline.cpu:>6.3f}   "
        f"{run.peak:>12.1f} {before:>11.1f} {peak_rss_mb():>14.1f}"
    )
    return ratio


def main(sizes: tuple[int, ...], map_workers: int) -> None:
    pace_collector(load_settings().gc_young_threshold)
    young = gc.get_threshold()[0]
    print(f"garbage collector: a young collection every {young} allocations (HUB_GC_YOUNG_THRESHOLD; 0: Python's)")
    print(
        f"{'':28s} {'rows':>10} {'file MB':>8} {'rows/s':>9} {'csv-only rows/s':>16} {'ratio':>6}   "
        f"{'rows/CPU-s':>10} {'csv-only':>9} {'ratio':>6}   "
        f"{'peak RSS MB':>12} {'RSS before':>11} {'high-water MB':>14}"
    )
    ratios: dict[str, list[float]] = {}
    modes = ["fetch + map", "fetch + normalise"] + (
        [f"fetch + normalise, {map_workers} workers"] if map_workers else []
    )
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"export-{size}.csv"
            file_mb = write_export(path, size) / 1e6
            baseline = baseline_rates(path)
            runs: dict[str, tuple[Run, float]] = {}
            for mode in modes:
                before = rss_mb()
                if mode == "fetch + map":
                    run = asyncio.run(stream_through_mapping(path))
                else:
                    run = asyncio.run(stream_through_normaliser(path, map_workers if "workers" in mode else 0))
                expected = size if mode == "fetch + map" else 2 * size  # a raw and an entity message per row
                if run.rows != size or run.made != expected:
                    raise SystemExit(f"{mode}: expected {size} rows and {expected} results, got {run.rows}, {run.made}")
                runs[mode] = (run, before)
            baseline = baseline.best(baseline_rates(path)).best(baseline_rates(path))
            for mode, (run, before) in runs.items():
                ratios.setdefault(mode, []).append(_row(mode, size, file_mb, run, baseline, before))
            path.unlink()
    for mode, values in ratios.items():
        verdict = "met" if min(values) >= TARGET_RATIO else "not met"
        print(f"target: {mode} at >= {TARGET_RATIO:.2f} of csv-only rows/s: {verdict} (lowest {min(values):.3f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, help="rows per export (default 100000 1000000)")
    parser.add_argument("--map-workers", type=int, default=1, help="worker processes of the third mode (0: skip it)")
    arguments = parser.parse_args()
    if __spec__ is None:
        raise SystemExit("run it as a module, from the checkout's root: python -m bench.bench_classifications_export")
    main(tuple(arguments.sizes) or SIZES, arguments.map_workers)
