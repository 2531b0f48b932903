"""Projects normalised and serialised per second, clean and dirty: the fast path against per-record pyld.

Three inputs, each timed on both paths in the same run (PPSR record -> `project_from_ppsr` -> bytes):

* **clean**: synthetic records shaped like the full example project, every value valid;
* **dirty**: generated records with the real inventory's kinds of dirt ("Unknown" dates, ``"UTF-8"`` as the
  language, e-mail fields holding URLs, misspelt vocabulary labels, cp1252-mis-decoded text, single objects where
  lists belong, ``""`` and ``{}`` for absent values), a few distinct misspellings repeated as in real exports;
* **real**: a PPSR Core ``{"Project": [...]}`` file (default: the PPSR-feed connector's JRC inventory fixture).

The fast path serialises with `Project.to_jsonld_bytes` (one pydantic dump + orjson); the baseline compacts each
record with pyld against the bundled context (frozen loader, its context cache warm) and dumps that. Each figure
is printed with its ratio against per-record pyld on the same input, then dirty/clean and real/clean.

    .venv/bin/python bench/bench_serialise.py
    .venv/bin/python bench/bench_serialise.py --input PPSR.json --records 500 --seconds 3
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from hub.schema import Project, jsonld
from hub.schema.examples import examples
from hub.schema.ppsr import project_from_ppsr
from hub.schema.validation import decode

REAL_FIXTURE = Path(__file__).parent.parent / "tests/connectors/fixtures/ppsr_feed/CSInventory_PPSR.json"

# Misspellings as found in real exports: near misses of a label (a suggestion exists) and values of another
# vocabulary (no suggestion). Few distinct values, repeated over many records, as a form's free text gives.
_MISSPELT: dict[str, list[Any]] = {
    "projectScienceType": [
        ["Environmental Sciences - Environmental Management"],
        ["Biological Sciences - Ecolgy"],
        ["Earth Sciences - Atmospheric sciences"],
        ["Biology"],
    ],
    "projectStatus": ["Ongoing", "active", "Complete"],
    "difficultyLevel": ["Meduim", "easy"],
    "hasTag": [["Participate From Home"], ["Suitable for kids"]],
    "projectCountry": [["United States"], ["Germany"]],
    "unRegions": [["Europe - Western Europe"]],
}
_MEANS_OF_CONTACT = ["E-mail", "email", "Web site", "Phone number"]
_PLACEHOLDER_DATES = ["projectStartDate", "projectPlannedEndDate", "projectLastUpdatedDate"]


def _template() -> dict[str, Any]:
    template = examples()["project"].to_jsonld()
    for key in ("@context", "id", "type", "conformance", "conformsTo"):
        template.pop(key, None)
    return template


def synthetic_records(count: int) -> list[dict[str, Any]]:
    """``count`` PPSR records shaped like the full example project, each with its own id and name."""
    template = _template()
    return [
        {**template, "projectId": f"bench-{index}", "projectName": f"{template['projectName']} #{index}"}
        for index in range(count)
    ]


# Written with escapes: the curly apostrophe and the en dash are the point (cp1252 mangles them).
_FRENCH_DESCRIPTION = "Les donn\u00e9es de l\u2019\u00e9quipe n\u00b0{index} \u2013 \u00e9t\u00e9"


def _mojibake(text: str) -> str:
    # UTF-8 bytes read as cp1252 somewhere upstream: "\u00e9" becomes "\u00c3\u00a9", and so on.
    return text.encode("utf-8").decode("cp1252", errors="ignore")


def dirty_records(count: int, seed: int = 15) -> list[dict[str, Any]]:
    """``count`` example-shaped records with the real inventory's dirt, deterministic for ``seed``."""
    rng = random.Random(seed)
    template = _template()
    records = []
    for index in range(count):
        record = {**template, "projectId": f"dirty-{index}", "projectName": f"{template['projectName']} #{index}"}
        record["language"] = "UTF-8"
        for key in rng.sample(_PLACEHOLDER_DATES, rng.randint(1, len(_PLACEHOLDER_DATES))):
            record[key] = "Unknown"
        record["projectDuration"] = "Unknown"
        if rng.random() < 0.4:
            record["projectResponsiblePartyContactEmail"] = f"https://project-{index % 37}.example.org/contact"
        if rng.random() < 0.5:
            record["projectDescription"] = _mojibake(_FRENCH_DESCRIPTION.format(index=index))
        contact = dict(template["contactPoint"][0])
        contact.pop("type", None)
        contact["contactPointType"] = ""
        if rng.random() < 0.3:
            contact["meansOfContact"] = rng.choice(_MEANS_OF_CONTACT)
        record["contactPoint"] = contact  # a single object where PPSR has a list
        record["projectGeographicLocation"] = {} if rng.random() < 0.5 else template["projectGeographicLocation"]
        record["projectMedia"] = "" if rng.random() < 0.5 else template["projectMedia"]
        if rng.random() < 0.35:
            key = rng.choice(sorted(_MISSPELT))
            record[key] = rng.choice(_MISSPELT[key])
        records.append(record)
    return records


def file_records(path: Path) -> list[dict[str, Any]]:
    """The ``Project`` array of a PPSR Core JSON file (UTF-8 with or without a BOM, else cp1252)."""
    text, _ = decode(path.read_bytes())
    document = json.loads(text)
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


@dataclass
class Figures:
    """One input's rates on both paths."""

    name: str
    records: int
    fast: float
    pyld: float


def measure(name: str, records: list[dict[str, Any]], seconds: float) -> Figures:
    """Time both paths on the records that import (a record without id or name is skipped by the hub too)."""
    usable = [r for r in records if project_from_ppsr(r, platform="bench").project is not None]
    for record in usable[:5]:  # warm imports, pydantic validators and pyld's resolved-context cache
        pyld_compaction(record)
    fast_rate, _ = rate(fast, usable, seconds)
    pyld_rate, _ = rate(pyld_compaction, usable, seconds)
    return Figures(name, len(usable), fast_rate, pyld_rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--input", type=Path, default=REAL_FIXTURE, help="real PPSR Core JSON file")
    parser.add_argument("--records", type=int, default=200, help="clean and dirty generated records (default 200)")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time per path and input (default 3)")
    args = parser.parse_args()

    runs = [
        measure("clean synthetic", synthetic_records(args.records), args.seconds),
        measure("dirty generated", dirty_records(args.records), args.seconds),
        measure(f"real ({args.input.name})", file_records(args.input), args.seconds),
    ]
    print("normalised + serialised (PPSR record -> Project -> JSON-LD bytes), projects/s:")
    print(f"  {'input':<34} {'records':>7} {'fast path':>10} {'pyld':>8} {'fast/pyld':>10}")
    for f in runs:
        print(f"  {f.name:<34} {f.records:>7} {f.fast:>10.0f} {f.pyld:>8.0f} {f.fast / f.pyld:>9.1f}x")
    clean, dirty, real = runs
    print(f"  dirty / clean (fast path):         {dirty.fast / clean.fast:10.2f}")
    print(f"  real / clean (fast path):          {real.fast / clean.fast:10.2f}")

    # The same two serialisers on already-normalised clean models: what the fast path itself saves.
    models = [normalise(r) for r in synthetic_records(args.records)]
    ser_fast, _ = rate(lambda m: m.to_jsonld_bytes(), models, args.seconds)
    ser_slow, _ = rate(lambda m: orjson.dumps(jsonld.compact(m)), models, args.seconds)
    print("serialised only (clean Project -> JSON-LD bytes), projects/s:")
    print(f"  fast path {ser_fast:.0f}, pyld {ser_slow:.0f}, ratio {ser_fast / ser_slow:.1f}x")


if __name__ == "__main__":
    main()
