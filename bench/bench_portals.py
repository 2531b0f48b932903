"""Records mapped per second by each national-portal connector, against the bare model build in the same run.

For every connector the records of its replay fixtures are mapped over and over (``Connector.map``: parsing,
crosswalks, flags, pydantic validation). The baseline rebuilds the very models that mapping produced from their
own dumps (``model_validate``), which is the validation cost alone; the ratio says what the mapping adds on top.
No network: the records are built from the fixtures in tests/connectors/fixtures, as a sync would fetch them,
dirt included (a record with a label outside PPSR costs the schema's did-you-mean search, which dominates the
PPSR feed's figure).

    .venv/bin/python bench/bench_portals.py              # about 1 s per connector and path
    .venv/bin/python bench/bench_portals.py --seconds 3
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from hub.connectors import Connector, HttpClient, RawRecord
from hub.connectors.biocollect import BioCollectConfig, BioCollectConnector
from hub.connectors.citizenscience_gov import CitizenScienceGovConfig, CitizenScienceGovConnector
from hub.connectors.declarative import DeclarativeConfig, DeclarativeConnector
from hub.connectors.eucs import EucsConfig, EucsConnector
from hub.connectors.fromthepage import FromThePageConfig, FromThePageConnector
from hub.connectors.inaturalist import INaturalistConfig, INaturalistConnector
from hub.connectors.ppsr_feed import PpsrFeedConfig, PpsrFeedConnector
from hub.schema import HubModel
from hub.schema.anonymise import Pseudonymiser

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "connectors" / "fixtures"
SOURCE = "https://bench.example/"


def _json(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8-sig"))


def _records(platform: str, kind: str, items: Sequence[Any], id_of: Callable[[Any], str], url: str) -> list[RawRecord]:
    return [RawRecord(platform, kind, id_of(item), item, url) for item in items]


def workloads(http: HttpClient) -> list[tuple[str, Connector, list[RawRecord]]]:
    """(name, connector, records) for every national-portal connector."""
    pseudonymiser = Pseudonymiser(SecretStr("bench-secret-0123456789abcdef"))
    eucs = EucsConnector(EucsConfig(), http=http)
    csgov = CitizenScienceGovConnector(CitizenScienceGovConfig(), http=http)
    ppsr = PpsrFeedConnector(PpsrFeedConfig(base_url=SOURCE, platform_slug="jrc-inventory"), http=http)
    mapping = (ROOT / "examples" / "mappings" / "iesaisties-lv.yaml").read_text(encoding="utf-8")
    declarative = DeclarativeConnector(
        DeclarativeConfig(base_url="https://iesaisties.lv/wp-json/", mapping=mapping), http=http
    )
    inat = INaturalistConnector(INaturalistConfig(project_ids=[8291]), http=http, pseudonymiser=pseudonymiser)
    bio = BioCollectConnector(BioCollectConfig(), http=http, pseudonymiser=pseudonymiser)
    ftp = FromThePageConnector(FromThePageConfig(owner="bench"), http=http, pseudonymiser=pseudonymiser)
    rows = list(csv.DictReader(io.StringIO((FIXTURES / "citizenscience_gov" / "catalog.csv").read_text(), newline="")))
    posts = [p for n in (1, 2) for p in _json("iesaisties_lv", f"wp_v2_projekti_page{n}.json") if p["id"] != 440]
    structured = {"collection": "farfel-research-notebooks", **_json("fromthepage", "iiif_32024760_structured.json")}
    return [
        (
            "eu-citizen-science",
            eucs,
            _records("eu-citizen-science", "project", _json("eucs", "projects.json"), lambda p: str(p["id"]), SOURCE),
        ),
        (
            "citizenscience-gov",
            csgov,
            _records("citizenscience-gov", "project", rows, lambda r: r["cartodb_id"], SOURCE),
        ),
        (
            "ppsr-feed",
            ppsr,
            _records(
                "jrc-inventory",
                "project",
                [p for p in _json("ppsr_feed", "CSInventory_PPSR.json")["Project"] if p["projectName"]],
                lambda p: p["projectId"],
                SOURCE,
            ),
        ),
        ("declarative", declarative, _records("iesaisties-lv", "project", posts, lambda p: str(p["id"]), SOURCE)),
        (
            "inaturalist",
            inat,
            _records(
                "inaturalist",
                "observation",
                _json("inaturalist", "v1_observations_project_8291.json"),
                lambda o: str(o["id"]),
                SOURCE + "v1/observations?project_id=8291",
            ),
        ),
        (
            "biocollect",
            bio,
            _records(
                "biocollect",
                "project",
                _json("biocollect", "ws_project_search.json")["projects"],
                lambda p: p["projectId"],
                SOURCE,
            ),
        ),
        ("fromthepage", ftp, _records("fromthepage", "transcription", [structured], lambda _s: "32024760", SOURCE)),
    ]


def rate(work: Callable[[], int], seconds: float) -> float:
    """Models produced per second by calling ``work`` (which returns how many it made) for ``seconds``."""
    work()  # warm caches (crosswalk tables, pydantic) outside the clock
    made, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        made += work()
    return made / elapsed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per connector and path")
    args = parser.parse_args(argv)

    async def build() -> list[tuple[str, Connector, list[RawRecord]]]:
        async with aiohttp.ClientSession() as session:
            return workloads(HttpClient(session))

    loads = asyncio.run(build())
    print(f"{'connector':<20} {'map/s':>10} {'validate/s':>11} {'map cost':>9}")
    for name, connector, records in loads:
        models: list[HubModel] = [m for r in records for m in connector.map(r)]
        dumps = [(type(m), m.model_dump(mode="json", by_alias=True)) for m in models]

        def mapping(connector: Connector = connector, records: list[RawRecord] = records) -> int:
            return sum(len(connector.map(r)) for r in records)

        def baseline(dumps: list[tuple[type[HubModel], dict[str, Any]]] = dumps) -> int:
            for cls, data in dumps:
                cls.model_validate(data)
            return len(dumps)

        mapped, validated = rate(mapping, args.seconds), rate(baseline, args.seconds)
        print(f"{name:<20} {mapped:>10,.0f} {validated:>11,.0f} {validated / mapped:>8.2f}x")


if __name__ == "__main__":
    main()
