"""Portal benchmark: 100,000 generated projects in the directory index, timed over HTTP against ``/healthz``.

Fills a `DirectoryIndex` on disk with generated projects (five platforms, 20 countries, four statuses, ten
science types, words drawn from a small vocabulary) and a link per 50 projects, serves the API with the portal
mounted on a local port, and times, one request after another from one client:

- ``/healthz`` (the floor: the API's cheapest route, same server, same client);
- a search with text and two facets, HTML and JSON (``/projects?q=...&country=...&status=...``);
- a project page (a linked project, so two listings are merged).

It prints the median and p95 of each in milliseconds.

    .venv/bin/python bench/bench_web.py                 # 100,000 projects, 300 requests per route
    .venv/bin/python bench/bench_web.py --projects 20000 --requests 100
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from hub.api.app import make_app
from hub.api.keys import Registry
from hub.api.tables import MemoryTable
from hub.config import ApiSettings, HubSettings
from hub.dump import http as dump_http
from hub.dump.store import HubStore
from hub.web import app as web_app
from hub.web.index import DirectoryIndex, IndexChange
from hub.web.settings import WebSettings

PLATFORMS = ("zooniverse", "scistarter", "eu-citizen-science", "citizenscience-gov", "inaturalist")
COUNTRIES = [f"Country {i}" for i in range(20)]
STATUSES = ("Active", "Completed", "On hold", "Planned")
SCIENCE = [f"Science {i}" for i in range(10)]
WORDS = ["birds", "bees", "water", "air", "soil", "galaxy", "stars", "whales", "plants", "insects", "river", "ocean"]
P = "https://w3id.org/citsci-hub/id/project/"


def generate(count: int, rng: random.Random) -> Iterator[IndexChange]:
    for i in range(count):
        platform = PLATFORMS[i % len(PLATFORMS)]
        iri = f"{P}{platform}/{i}"
        words = rng.sample(WORDS, 4)
        yield IndexChange(
            "projects",
            iri,
            {
                "id": iri,
                "projectName": f"{words[0].title()} {words[1]} project {i}",
                "projectAim": f"Count {words[1]} and {words[2]}",
                "projectDescription": f"Volunteers watch {' '.join(words)} near them. " * 3,
                "keyword": words[:2],
                "projectCountry": [rng.choice(COUNTRIES)],
                "projectStatus": rng.choice(STATUSES),
                "projectScienceType": [rng.choice(SCIENCE)],
                "language": "en",
                "projectLastUpdatedDate": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z",
                "projectGeographicLocation": [
                    {"projectPinLatitude": rng.uniform(-60, 70), "projectPinLongitude": rng.uniform(-180, 180)}
                ],
            },
        )
        if i % 50 == 1:
            link = f"https://w3id.org/citsci-hub/id/link/hub/{i}"
            yield IndexChange(
                "links",
                link,
                {"id": link, "subject": f"{P}{PLATFORMS[(i - 1) % 5]}/{i - 1}", "object": iri, "score": 0.8},
            )


def build_app(index: DirectoryIndex) -> web.Application:
    settings = HubSettings(api=ApiSettings(admin_token=SecretStr("bench-admin-token-0123456789abcdef")))
    web_settings = WebSettings(tile_url="")
    registry = Registry(*(MemoryTable[Any]() for _ in range(7)))

    def setup(app: web.Application) -> None:
        dump_http.setup(app, settings, store=HubStore(None))
        web_app.setup(app, settings, index, web_settings=web_settings)

    return make_app(
        settings,
        registry=registry,
        connector_types={},
        extra_routes=dump_http.routes,
        extra_setup=setup,
        public_routes=web_app.routes,
        middlewares=web_app.middlewares(web_settings),
    )


async def timed(http: aiohttp.ClientSession, url: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        async with http.get(url) as response:
            await response.read()
            assert response.status == 200, (url, response.status)  # noqa: S101 - a failed page is no timing
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"{name:<44} median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms")


async def main(projects: int, requests: int) -> None:
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp:
        index = DirectoryIndex(Path(tmp) / "directory.sqlite3")
        started = time.perf_counter()
        batch: list[IndexChange] = []
        for change in generate(projects, rng):
            batch.append(change)
            if len(batch) == 2000:
                index.apply(batch)
                batch = []
        index.apply(batch)
        print(f"indexed {index.project_count():,} projects in {time.perf_counter() - started:.1f} s")
        runner = web.AppRunner(build_app(index), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        base = f"http://{host}:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                search = "/projects?q=birds&country=Country+3&status=Active"
                async with http.get(f"{base}{search}&format=json") as response:
                    total = (await response.json())["total"]
                print(f"the two-facet search matches {total:,} projects")
                await timed(http, f"{base}/healthz", 20)  # warm up
                report("/healthz", await timed(http, f"{base}/healthz", requests))
                report("search, text + two facets (HTML)", await timed(http, base + search, requests))
                report("search, text + two facets (JSON)", await timed(http, f"{base}{search}&format=json", requests))
                report(
                    "search, two facets, no text (HTML)",
                    await timed(http, f"{base}/projects?country=Country+3&status=Active", requests),
                )
                report(
                    "project page, two listings (HTML)", await timed(http, f"{base}/projects/scistarter/1", requests)
                )
                report("directory home, no filter (HTML)", await timed(http, f"{base}/", requests))
        finally:
            await runner.cleanup()
            index.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.projects, args.requests))
