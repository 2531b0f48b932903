"""One local web app that answers as six platforms did, from responses recorded from them (``recordings/``).

Each platform lives under its own prefix, with the paths and paging its connector uses: EU-Citizen.Science's
unpaged arrays, CitizenScience.gov's CSV export, a PPSR Core JSON feed, SciStarter's finder (three projects a
page, as the finder decides), Science Near Me's opportunities (page_index from 0) and BioCollect's project search
(offset and max, ordered by lastUpdated).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web

__all__ = ["DEMO_CONNECTORS", "DemoConnector", "replay_app"]

Handler = Callable[[web.Request], Awaitable[web.Response]]

_FINDER_PAGE = 3


def _recording(platform: str, name: str) -> bytes:
    return resources.files("hub.demo").joinpath("recordings", platform, name).read_bytes()


def _json(platform: str, name: str) -> Any:
    return json.loads(_recording(platform, name).decode("utf-8-sig"))


def _static(platform: str, name: str, content_type: str) -> Handler:
    body = _recording(platform, name)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type)

    return handler


def _finder() -> Handler:
    listing = _json("scistarter", "finder_projects.json")

    async def handler(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        chunk = listing["entities"][(page - 1) * _FINDER_PAGE : page * _FINDER_PAGE]
        return web.json_response({"name": "Matches", "total": listing["total"], "page": page, "entities": chunk})

    return handler


def _opportunities() -> Handler:
    listing = _json("scistarter", "sciencenearme_opportunities.json")

    async def handler(request: web.Request) -> web.Response:
        size, page = int(request.query.get("per_page", "10")), int(request.query.get("page", "0"))
        chunk = listing["matches"][page * size : (page + 1) * size]
        return web.json_response({"matches": chunk, "pagination": {**listing["pagination"], "page_index": page}})

    return handler


def _project_search() -> Handler:
    search = _json("biocollect", "ws_project_search.json")

    async def handler(request: web.Request) -> web.Response:
        rows = sorted(
            search["projects"],
            key=lambda r: r.get("lastUpdated") or "",
            reverse=request.query.get("order") == "DESC",
        )
        offset, size = int(request.query.get("offset", "0")), int(request.query.get("max", "10"))
        page = rows[offset : offset + size]
        return web.json_response({"projects": page, "total": len(rows), "facets": search.get("facets", [])})

    return handler


def replay_app() -> web.Application:
    """The replay of every demo platform, each under its prefix."""
    app = web.Application()
    app.router.add_get("/eucs/api/projects/", _static("eucs", "projects.json", "application/json"))
    app.router.add_get("/eucs/api/organisations/", _static("eucs", "organisations.json", "application/json"))
    app.router.add_get("/csgov/catalog.csv", _static("citizenscience_gov", "catalog.csv", "text/csv"))
    app.router.add_get("/ppsr/CSInventory_JSON.json", _static("ppsr_feed", "CSInventory_PPSR.json", "application/json"))
    app.router.add_get("/scistarter/finder", _finder())
    app.router.add_get("/sciencenearme/api/v1/opportunity/", _opportunities())
    app.router.add_get("/biocollect/ws/project/search", _project_search())
    return app


@dataclass(frozen=True)
class DemoConnector:
    """A connector the demo registers: its name, type, platform and config (``{replay}`` is the replay's root)."""

    name: str
    type: str
    platform: str
    config: dict[str, Any]

    def body(self, replay: str) -> dict[str, Any]:
        """The ``POST /connectors`` body, pointed at the replay."""
        config = {
            key: value.replace("{replay}", replay) if isinstance(value, str) else value
            for key, value in self.config.items()
        }
        return {"name": self.name, "type": self.type, "config": config, "schedule_interval_s": 3600}


DEMO_CONNECTORS = (
    # The replay stands in for the portal's public site too, which the hub checks before each run.
    DemoConnector(
        "demo-eucs",
        "eu-citizen-science",
        "eu-citizen-science",
        {"base_url": "{replay}/eucs/", "public_site": "{replay}/eucs/"},
    ),
    DemoConnector(
        "demo-citizenscience-gov", "citizenscience-gov", "citizenscience-gov", {"base_url": "{replay}/csgov/"}
    ),
    DemoConnector(
        "demo-ppsr-feed",
        "ppsr-feed",
        "cs-inventory",
        {"base_url": "{replay}/ppsr/CSInventory_JSON.json", "platform_slug": "cs-inventory"},
    ),
    DemoConnector("demo-scistarter", "scistarter", "scistarter", {"base_url": "{replay}/scistarter/"}),
    DemoConnector(
        "demo-sciencenearme", "sciencenearme", "sciencenearme", {"base_url": "{replay}/sciencenearme/api/v1/"}
    ),
    DemoConnector("demo-biocollect", "biocollect", "biocollect", {"base_url": "{replay}/biocollect/"}),
)
