"""Stream a generated Zooniverse classification export through the zooniverse-export connector and its mapping.

For each size (100,000 and 1,000,000 rows by default) it writes an export in the real 14-column shape to a temp
file (streamed, so generating costs no memory either), serves it from a local aiohttp server, and runs the
connector's ``fetch`` and ``map`` over every row: HTTP streaming, incremental CSV splitting, JSON cells, scrubbing,
pseudonymisation and the Contribution model. It prints rows per second, the peak resident memory during the run
(sampled from /proc, with the process high-water mark beside it), and, as a baseline from the same run, how fast
plain ``csv.reader`` reads the same file (best of three reads, one before and two after the mapping run, so that
a burst of load from other processes does not set the baseline), with the ratio of the two; the target is a ratio of
at least 0.40. The same figures per CPU second of this process are printed beside the wall-clock ones: on a
shared machine they move far less with what else runs. Memory is flat when the peak does not grow with the rows.

    .venv/bin/python bench/bench_classifications_export.py            # 100k and 1M rows
    .venv/bin/python bench/bench_classifications_export.py 20000 200000
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from hub.connectors import HttpClient
from hub.connectors.zooniverse_classification import EXPORT_COLUMNS
from hub.connectors.zooniverse_export import ZooniverseExportConfig, ZooniverseExportConnector
from hub.schema.anonymise import Pseudonymiser

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


async def stream_through_mapping(path: Path) -> tuple[int, int, float, float, float]:
    """Serve ``path`` and run fetch + map; returns (rows, contributions, seconds, CPU seconds, peak RSS MB sampled).

    The file is served from this process, so the CPU seconds include aiohttp's serving and reading of it.
    """
    app = web.Application()

    async def export(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(path, headers={"Content-Type": "text/csv"})

    app.router.add_get("/export.csv", export)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rows = contributions = 0
    peak = rss_mb()
    try:
        async with aiohttp.ClientSession() as session:
            config = ZooniverseExportConfig(
                base_url=f"http://127.0.0.1:{port}/export.csv", project_id="1315", page_size=1000
            )
            pseudonymiser = Pseudonymiser(SecretStr("benchmark-secret-0123456789"))
            connector = ZooniverseExportConnector(config, http=HttpClient(session), pseudonymiser=pseudonymiser)
            start, cpu = time.perf_counter(), time.process_time()
            async for batch in connector.fetch(None):
                for record in batch.records:
                    rows += 1
                    contributions += len(connector.map(record))
                peak = max(peak, rss_mb())
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    finally:
        await runner.cleanup()
    return rows, contributions, seconds, cpu_seconds, peak


def main(sizes: tuple[int, ...]) -> None:
    print(
        f"{'rows':>10} {'file MB':>8} {'rows/s':>9} {'csv-only rows/s':>16} {'ratio':>6}   "
        f"{'rows/CPU-s':>10} {'csv-only':>9} {'ratio':>6}   "
        f"{'peak RSS MB':>12} {'RSS before':>11} {'high-water MB':>14}"
    )
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"export-{size}.csv"
            file_mb = write_export(path, size) / 1e6
            baseline = baseline_rates(path)
            before = rss_mb()
            rows, contributions, seconds, cpu_seconds, peak = asyncio.run(stream_through_mapping(path))
            if not rows == contributions == size:
                raise SystemExit(f"expected {size} rows and contributions, got {rows} and {contributions}")
            baseline = baseline.best(baseline_rates(path)).best(baseline_rates(path))
            rate = Rates(rows / seconds, rows / cpu_seconds)
            ratio = rate.wall / baseline.wall
            ratios.append(ratio)
            print(
                f"{size:>10,} {file_mb:>8.0f} {rate.wall:>9,.0f} {baseline.wall:>16,.0f} {ratio:>6.3f}   "
                f"{rate.cpu:>10,.0f} {baseline.cpu:>9,.0f} {rate.cpu / baseline.cpu:>6.3f}   "
                f"{peak:>12.1f} {before:>11.1f} {peak_rss_mb():>14.1f}"
            )
            path.unlink()
    verdict = "met" if min(ratios) >= TARGET_RATIO else "not met"
    print(
        f"target: connector + mapping at >= {TARGET_RATIO:.2f} of csv-only rows/s: {verdict} (lowest {min(ratios):.3f})"
    )


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
