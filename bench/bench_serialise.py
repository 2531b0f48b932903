"""Projects normalised and serialised per second: the fast path against per-record pyld compaction.

Both paths run in the same process on the same records: PPSR record -> `project_from_ppsr` (normalise) -> bytes.
The fast path serialises with `Project.to_jsonld_bytes` (one pydantic dump + orjson); the baseline compacts each
record with pyld against the bundled context (frozen loader, its context cache warm) and dumps that.

    .venv/bin/python bench/bench_serialise.py                       # synthetic records from the example project
    .venv/bin/python bench/bench_serialise.py --input PPSR.json     # a PPSR {"Project": [...]} file
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from hub.schema import Project, jsonld
from hub.schema.examples import examples
from hub.schema.ppsr import project_from_ppsr


def synthetic_records(count: int) -> list[dict[str, Any]]:
    """``count`` PPSR records shaped like the full example project, each with its own id and name."""
    template = examples()["project"].to_jsonld()
    for key in ("@context", "id", "type", "conformance", "conformsTo"):
        template.pop(key, None)
    return [
        {**template, "projectId": f"bench-{index}", "projectName": f"{template['projectName']} #{index}"}
        for index in range(count)
    ]


def file_records(path: Path) -> list[dict[str, Any]]:
    """The ``Project`` array of a PPSR Core JSON file."""
    document = json.loads(path.read_text(encoding="utf-8"))
    records = document["Project"] if isinstance(document, dict) else document
    return [record for record in records if isinstance(record, dict)]


def normalise(record: dict[str, Any]) -> Project:
    project = project_from_ppsr(record, platform="bench").project
    if project is None:
        raise RuntimeError(f"record {record.get('projectId')!r} does not import")
    return project


def fast(record: dict[str, Any]) -> bytes:
    return normalise(record).to_jsonld_bytes()


def pyld_compaction(record: dict[str, Any]) -> bytes:
    return orjson.dumps(jsonld.compact(normalise(record)))


def rate(path: Callable[[Any], bytes], records: list[Any], seconds: float) -> tuple[float, int]:
    """Records per second over at least ``seconds`` (whole passes over ``records``)."""
    done = 0
    start = time.perf_counter()
    while True:
        for record in records:
            path(record)
        done += len(records)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--input", type=Path, help="PPSR Core JSON file; default: synthetic records")
    parser.add_argument("--records", type=int, default=200, help="synthetic records (default 200)")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time per path (default 3)")
    args = parser.parse_args()
    records = file_records(args.input) if args.input else synthetic_records(args.records)
    usable = [r for r in records if project_from_ppsr(r, platform="bench").project is not None]

    # Warm both paths (imports, pydantic validators, pyld's resolved-context cache) before timing.
    for record in usable[:5]:
        fast(record)
        pyld_compaction(record)
    fast_bytes = sum(len(fast(r)) for r in usable) / len(usable)
    slow_bytes = sum(len(pyld_compaction(r)) for r in usable) / len(usable)

    fast_rate, fast_done = rate(fast, usable, args.seconds)
    slow_rate, slow_done = rate(pyld_compaction, usable, args.seconds)
    # The same two serialisers on already-normalised models: what the fast path itself saves.
    models = [normalise(r) for r in usable]
    ser_fast, _ = rate(lambda m: m.to_jsonld_bytes(), models, args.seconds)
    ser_slow, _ = rate(lambda m: orjson.dumps(jsonld.compact(m)), models, args.seconds)
    source = str(args.input) if args.input else f"{len(usable)} synthetic projects (full example)"
    print(f"input: {source}")
    print("normalised + serialised (PPSR record -> Project -> JSON-LD bytes):")
    print(f"  fast path (pydantic + orjson): {fast_rate:10.0f} projects/s  ({fast_done} done, {fast_bytes:.0f} B avg)")
    print(f"  pyld compaction per record:    {slow_rate:10.0f} projects/s  ({slow_done} done, {slow_bytes:.0f} B avg)")
    print(f"  ratio fast / pyld:             {fast_rate / slow_rate:10.1f}x")
    print("serialised only (Project -> JSON-LD bytes):")
    print(f"  fast path:                     {ser_fast:10.0f} projects/s")
    print(f"  pyld compaction:               {ser_slow:10.0f} projects/s")
    print(f"  ratio fast / pyld:             {ser_fast / ser_slow:10.1f}x")


if __name__ == "__main__":
    main()
