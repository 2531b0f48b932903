"""Replay scenarios of the national-portal connectors for the conformance suite.

EU-Citizen.Science, CitizenScience.gov, a PPSR Core feed and the declarative connector (through the shipped
iesaisties.lv mapping) each serve their fixtures in the platform's real shape. None of these platforms sends
validators the connectors use (every run is a full snapshot), so ``conditional_resync`` is off. A snapshot is
one request per listing, so the transient fault is a 503 on the first request of the path, then success.
"""

from __future__ import annotations

import copy
import csv
import io
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from tests.connectors import helpers
from tests.connectors.conformance import ReplayScenario, register
from tests.connectors.replay import REPLAY, Replay, fixture_bytes, fixture_json, replay_app
from tests.connectors.replay_biocollect import biocollect_app
from tests.connectors.replay_fromthepage import fromthepage_app
from tests.connectors.replay_inaturalist import inaturalist_app

FAST = {**helpers.FAST, "max_retries": 2}
ONE_503: tuple[Any, ...] = ("503",)

EUCS_PROJECTS: list[dict[str, Any]] = fixture_json("eucs", "projects.json")
EUCS_ORGANISATIONS: list[dict[str, Any]] = fixture_json("eucs", "organisations.json")
CSGOV_CSV = fixture_bytes("citizenscience_gov", "catalog.csv").decode("utf-8")
PPSR_FEED: dict[str, Any] = orjson.loads(
    fixture_bytes("ppsr_feed", "CSInventory_PPSR.json").removeprefix(b"\xef\xbb\xbf")
)
WP_PAGES = [fixture_json("iesaisties_lv", f"wp_v2_projekti_page{n}.json") for n in (1, 2)]
MAPPING = (Path(__file__).parents[2] / "examples" / "mappings" / "iesaisties-lv.yaml").read_text(encoding="utf-8")


def _json(body: Any) -> web.Response:
    return web.Response(body=orjson.dumps(body), content_type="application/json")


# ---------------------------------------------------------------------------------------------------------------
# EU-Citizen.Science: two unpaged arrays


async def _eucs_projects(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    projects = [] if replay.empty else copy.deepcopy(EUCS_PROJECTS)
    if replay.malformed:
        broken = copy.deepcopy(EUCS_PROJECTS[0])
        broken.update(id=999, name="")
        projects.insert(1, broken)
    return _json(projects)


async def _eucs_organisations(request: web.Request) -> web.Response:
    return _json([] if request.app[REPLAY].empty else EUCS_ORGANISATIONS)


def eucs_app(replay: Replay) -> web.Application:
    """EU-CS: /api/projects/ and /api/organisations/."""
    app = replay_app(replay)
    app.router.add_get("/api/projects/", _eucs_projects)
    app.router.add_get("/api/organisations/", _eucs_organisations)
    return app


# ---------------------------------------------------------------------------------------------------------------
# CitizenScience.gov: the CARTO CSV export


async def _catalog_csv(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    reader = csv.DictReader(io.StringIO(CSGOV_CSV, newline=""))
    rows = [] if replay.empty else list(reader)
    if replay.malformed and rows:
        broken = dict(rows[0])
        broken.update(cartodb_id="999", project_name="  \n")
        rows.insert(1, broken)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return web.Response(text=out.getvalue(), content_type="text/csv")


def csgov_app(replay: Replay) -> web.Application:
    """CitizenScience.gov: /catalog.csv."""
    app = replay_app(replay)
    app.router.add_get("/catalog.csv", _catalog_csv)
    return app


# ---------------------------------------------------------------------------------------------------------------
# A PPSR Core feed (JRC inventory style)


async def _ppsr_feed(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    # The fixture's nameless record is the feed's own malformed one; serve it only when asked for one.
    good = [p for p in PPSR_FEED["Project"] if p.get("projectName")]
    projects = [] if replay.empty else copy.deepcopy(good)
    if replay.malformed:
        projects.insert(1, next(p for p in PPSR_FEED["Project"] if not p.get("projectName")))
    return web.Response(body=b"\xef\xbb\xbf" + orjson.dumps({"Project": projects}), content_type="application/json")


def ppsr_app(replay: Replay) -> web.Application:
    """A PPSR Core feed at /machinereadable/CSInventory_JSON.json."""
    app = replay_app(replay)
    app.router.add_get("/machinereadable/CSInventory_JSON.json", _ppsr_feed)
    return app


# ---------------------------------------------------------------------------------------------------------------
# The declarative connector on a WordPress REST portal (iesaisties.lv mapping)


async def _wp_projekti(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    # Post 440 (markup-only title) is the malformed record; the clean portal is the other four.
    posts = [p for page in WP_PAGES for p in page if replay.malformed or p["id"] != 440]
    if replay.empty:
        posts = []
    size = int(request.query.get("per_page", "10"))
    page = int(request.query.get("page", "1"))
    pages = max(1, -(-len(posts) // size))
    if page > pages:
        return web.json_response({"code": "rest_post_invalid_page_number", "data": {"status": 400}}, status=400)
    headers = {"X-WP-Total": str(len(posts)), "X-WP-TotalPages": str(pages)}
    return web.Response(
        body=orjson.dumps(posts[(page - 1) * size : page * size]), content_type="application/json", headers=headers
    )


def wordpress_app(replay: Replay) -> web.Application:
    """A WordPress portal: /wp-json/wp/v2/projekti with ?page= and ?per_page=."""
    app = replay_app(replay)
    app.router.add_get("/wp-json/wp/v2/projekti", _wp_projekti)
    return app


def _declarative_config(root: str) -> dict[str, Any]:
    # A page size of 2 makes the listing three pages, so paging is part of every check.
    mapping = MAPPING.replace("https://iesaisties.lv/wp-json/", root + "wp-json/").replace(
        "page_size: 50", "page_size: 2"
    )
    return {"base_url": root + "wp-json/", "mapping": mapping, "page_size": 2, **FAST}


register(
    ReplayScenario(
        connector_type="eu-citizen-science",
        make_app=eucs_app,
        config=lambda root: {"base_url": root, "page_size": 3, **FAST},
        fault_path="/api/projects/",
        mid_sync_faults=ONE_503,
        invalid_configs=[{"country": "Belgium"}, {"page_size": 0}, {"base_url": "not a url"}],
        conditional_resync=False,
    )
)
register(
    ReplayScenario(
        connector_type="citizenscience-gov",
        make_app=csgov_app,
        config=lambda root: {"base_url": root, "page_size": 3, **FAST},
        fault_path="/catalog.csv",
        mid_sync_faults=ONE_503,
        invalid_configs=[{"source": "xlsx"}, {"path": ""}],
        conditional_resync=False,
    )
)
register(
    ReplayScenario(
        connector_type="ppsr-feed",
        make_app=ppsr_app,
        config=lambda root: {
            "base_url": root + "machinereadable/CSInventory_JSON.json",
            "platform_slug": "jrc-inventory",
            "page_size": 2,
            **FAST,
        },
        fault_path="/machinereadable/CSInventory_JSON.json",
        mid_sync_faults=ONE_503,
        invalid_configs=[{"platform_slug": "JRC Inventory"}, {"records_key": ""}],
        conditional_resync=False,
    )
)
register(
    ReplayScenario(
        connector_type="declarative",
        make_app=wordpress_app,
        config=_declarative_config,
        fault_path="/wp-json/wp/v2/projekti",
        invalid_configs=[{"mapping": "version: 2\n"}, {"mapping_file": "no/such/mapping.yaml"}],
        conditional_resync=False,
    )
)
register(
    ReplayScenario(
        connector_type="inaturalist",
        make_app=inaturalist_app,
        config=lambda root: {"base_url": root + "v1/", "project_ids": [8291, 8527], "page_size": 2, **FAST},
        fault_path="/v1/observations",
        invalid_configs=[{"page_size": 201}, {"project_ids": []}, {"project_ids": ["wa-invasives"]}],
        conditional_resync=False,
    )
)
register(
    ReplayScenario(
        connector_type="biocollect",
        make_app=biocollect_app,
        config=lambda root: {
            "base_url": root,
            "page_size": 2,
            "activity_projects": ["fa3d9c1e-6a59-4d3b-9e0b-2b1f5c0c8e11"],
            **FAST,
        },
        fault_path="/ws/project/search",
        invalid_configs=[{"page_size": 101}, {"activity_projects": "all"}],
        conditional_resync=False,
    )
)
register(
    ReplayScenario(
        connector_type="fromthepage",
        make_app=fromthepage_app,
        config=lambda root: {"base_url": root, "owner": "ohiouniversitylibraries", "page_size": 3, **FAST},
        fault_path="/iiif/collection/dance-posters-metadata",
        mid_sync_faults=ONE_503,
        invalid_configs=[{"owner": "no spaces allowed"}, {"collections": "dance-posters-metadata"}],
        conditional_resync=False,
    )
)
