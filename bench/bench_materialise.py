"""Materialiser and analyst-query benchmark: pyoxigraph (the hub's store) against rdflib, same data, same run.

Loads about 1,000,000 triples of synthetic hub records (projects on five platforms, monthly contribution
statistics, cross-platform links) through the materialiser path: compact JSON-LD values expanded in batches
(`hub.dump.expand`) and applied with their offsets in one transaction per batch (`hub.dump.store`), into a
persistent store on disk. The same quads are then loaded into an rdflib Dataset, and the three analyst queries
of docs/analysts.md run on both. It prints each time, and rdflib's time divided by pyoxigraph's.

    .venv/bin/python bench/bench_materialise.py                 # 1,000,000 triples
    .venv/bin/python bench/bench_materialise.py --triples 100000 --dump   # also time a dump
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import rdflib

from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.files import write_dump
from hub.dump.store import STATE_GRAPH, Change, HubStore
from hub.schema import ContributionStatistics, HubModel, Link, Project, ProjectGeographicLocation
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.vocab import ProjectCountry, ProjectScienceType

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysts.md"
_BLOCK = re.compile(r"<!-- query: ([a-z0-9-]+) -->\s*```sparql\n(.*?)```", re.DOTALL)
PLATFORMS = ("zooniverse", "scistarter", "eu-citizen-science", "citizenscience-gov", "inaturalist")
T = TypeVar("T")


def documented_queries() -> dict[str, str]:
    return dict(_BLOCK.findall(DOC.read_text(encoding="utf-8")))


def timed(call: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def records(rng: random.Random, projects: int) -> Iterator[HubModel]:
    """Projects with countries, science types and pins; three months of statistics each; links for 5%."""
    countries = [c.value for c in ProjectCountry][:60]
    sciences = [s.value for s in ProjectScienceType][:40]
    iris: list[tuple[str, str]] = []
    for number in range(projects):
        platform = PLATFORMS[number % len(PLATFORMS)]
        native = f"p{number}"
        iri = mint_iri("project", platform, native)
        iris.append((iri, platform))
        yield Project(
            iri=iri,
            project_id=native,
            project_name=f"Project {number} {rng.choice(['Bird', 'Bee', 'Galaxy', 'River', 'Text'])} watch",
            project_url=f"https://project-{number}.example.org/",
            project_country=rng.sample(countries, k=rng.choice((1, 1, 2))),
            project_science_type=rng.sample(sciences, k=rng.choice((1, 2))),
            project_geographic_location=[
                ProjectGeographicLocation(
                    project_pin_latitude=round(rng.uniform(-60, 70), 5),
                    project_pin_longitude=round(rng.uniform(-170, 170), 5),
                )
            ],
            hosted_on=[platform_iri(platform)],
        )
        for month in (1, 2, 3):
            yield ContributionStatistics(
                iri=mint_iri("statistics", platform, f"{native}-2024-{month:02d}"),
                project=iri,
                period_start=f"2024-{month:02d}-01T00:00:00Z",
                period_end=f"2024-{month + 1:02d}-01T00:00:00Z",
                classification_count=rng.randint(0, 5000),
                observation_count=rng.randint(0, 500),
            )
        if number % 20 == 19:
            other, other_platform = iris[rng.randrange(len(iris) - 1)]
            if other_platform != platform:
                yield Link.between(
                    iri, other, score=round(rng.uniform(0.7, 1.0), 3), evidence=["bench"], method="bench"
                )


def load_oxigraph(values: list[tuple[str, bytes]], store: HubStore, batch: int) -> int:
    """The materialiser path: expand a batch, apply it with its offsets in one transaction."""
    offset = 0
    quads = 0
    for start in range(0, len(values), batch):
        chunk = values[start : start + batch]
        changes = []
        for (topic, _), result in zip(chunk, expand_records([v for _, v in chunk]), strict=True):
            if not isinstance(result, ExpandedRecord):
                raise SystemExit(f"bench record rejected: {result.reason}")
            changes.append(Change(topic, result.iri, result.iri, result.quads))
            quads += len(result.quads)
        offset += len(chunk)
        store.apply(changes, {("bench.records.v1", 0): offset})
    return quads


def rebuild_oxigraph(values: list[tuple[str, bytes]], store: HubStore, chunk: int = 2000) -> int:
    """The rebuild path of an empty store: expand chunk by chunk into one bulk load, then write the offsets."""
    quads = 0

    def changes() -> Iterator[Change]:
        nonlocal quads
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            for (topic, _), result in zip(part, expand_records([v for _, v in part]), strict=True):
                if not isinstance(result, ExpandedRecord):
                    raise SystemExit(f"bench record rejected: {result.reason}")
                quads += len(result.quads)
                yield Change(topic, result.iri, result.iri, result.quads)

    store.bulk_add(changes())
    store.apply([], {("bench.records.v1", 0): len(values)})
    return quads


def _rdflib_child(dataset: rdflib.Dataset, query: str, conn: Connection) -> None:
    rows, seconds = timed(lambda: len(list(dataset.query(query))))
    conn.send((rows, seconds))


def run_rdflib(dataset: rdflib.Dataset, query: str, timeout_s: float) -> tuple[int, float] | None:
    """Row count and seconds, or None past ``timeout_s``: run in a forked child that can be killed."""
    parent, child = multiprocessing.get_context("fork").Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_rdflib_child, args=(dataset, query, child))
    process.start()
    if parent.poll(timeout_s):
        result: tuple[int, float] = parent.recv()
        process.join()
        return result
    process.kill()
    process.join()
    return None


def run_oxigraph(store: HubStore, query: str) -> list[Any]:
    return list(store.store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000, help="Approximate number of triples to load.")
    parser.add_argument("--batch", type=int, default=500, help="Records per store transaction.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump", action="store_true", help="Also time `hub dump` (N-Quads + framed JSON-LD).")
    parser.add_argument("--rdflib-timeout-s", type=float, default=1800, help="Give up on an rdflib query after this.")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    # A project with its three months of statistics and its share of links comes to about 33 triples.
    projects = max(10, args.triples // 33)
    values = [(f"bench.{r.ENTITY}.v1", r.to_jsonld_bytes()) for r in records(rng, projects)]
    print(f"records: {len(values):,} ({projects:,} projects)")

    with tempfile.TemporaryDirectory(prefix="bench-store-") as directory:
        store = HubStore(Path(directory))
        loaded, ox_load = timed(lambda: load_oxigraph(values, store, args.batch))
        store.flush()
        print(
            f"pyoxigraph materialiser, incremental (one transaction per {args.batch} records): "
            f"{loaded:,} triples in {ox_load:.1f}s ({loaded / ox_load:,.0f} triples/s)"
        )
        with tempfile.TemporaryDirectory(prefix="bench-rebuild-") as rebuild_dir:
            rebuilt, ox_rebuild = timed(lambda: rebuild_oxigraph(values, HubStore(Path(rebuild_dir))))
        print(
            f"pyoxigraph materialiser, rebuild of an empty store (bulk load): "
            f"{rebuilt:,} triples in {ox_rebuild:.1f}s ({rebuilt / ox_rebuild:,.0f} triples/s)"
        )

        nquads = "".join(f"{q} .\n" for q in store.record_quads() if q.graph_name != STATE_GRAPH)
        dataset = rdflib.Dataset(default_union=True)
        _, rdf_load = timed(lambda: dataset.parse(data=nquads, format="nquads"))
        rdflib_triples = len(dataset)
        print(
            f"rdflib Dataset.parse(N-Quads): {rdflib_triples:,} triples in {rdf_load:.1f}s "
            f"({rdflib_triples / rdf_load:,.0f} triples/s)"
        )
        # The materialiser paths include JSON-LD expansion; rdflib's includes only N-Quads parsing.
        print(
            f"load ratio rdflib/pyoxigraph: incremental {rdf_load / ox_load:.1f}x, rebuild {rdf_load / ox_rebuild:.1f}x"
        )

        print(f"\n{'query':36} {'rows':>6} {'pyoxigraph':>11} {'rdflib':>9} {'ratio':>7}")
        for name, query in documented_queries().items():
            ox_rows, ox_time = timed(lambda q=query: run_oxigraph(store, q))  # type: ignore[misc]
            answer = run_rdflib(dataset, query, args.rdflib_timeout_s)
            if answer is None:
                limit = args.rdflib_timeout_s
                over, ratio = f">{limit:.0f}s", f">{limit / ox_time:.0f}"
                print(f"{name:36} {len(ox_rows):>6} {ox_time:>10.2f}s {over:>9} {ratio:>6}x")
                continue
            rdf_count, rdf_time = answer
            same = "" if len(ox_rows) == rdf_count else f"  (rdflib: {rdf_count} rows)"
            print(f"{name:36} {len(ox_rows):>6} {ox_time:>10.2f}s {rdf_time:>8.2f}s {rdf_time / ox_time:>6.1f}x{same}")
        if args.dump:
            summary, dump_time = timed(lambda: write_dump(store, Path(directory) / "dumps"))
            written = summary.manifest["records"]
            print(f"\ndump: {written:,} records in {dump_time:.1f}s ({written / dump_time:,.0f} records/s)")


if __name__ == "__main__":
    main()
