"""A replay of BioCollect's project search and activity search, newest first with offset/max paging."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from aiohttp import web

from tests.connectors.replay import REPLAY, Replay, fixture_json, replay_app

SEARCH: dict[str, Any] = fixture_json("biocollect", "ws_project_search.json")
ACTIVITIES: dict[str, Any] = fixture_json("biocollect", "ws_bioactivity_search.json")
#: Edits a test may make to the platform: projectId -> new lastUpdated.
TOUCHED = web.AppKey("touched", dict)


def _page(request: web.Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = sorted(rows, key=lambda r: r.get("lastUpdated") or "", reverse=request.query.get("order") == "DESC")
    offset, size = int(request.query.get("offset", "0")), int(request.query.get("max", "10"))
    return rows[offset : offset + size]


async def project_search(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    rows = [] if replay.empty else copy.deepcopy(SEARCH["projects"])
    for row in rows:
        row["lastUpdated"] = request.app[TOUCHED].get(row["projectId"], row["lastUpdated"])
    if replay.malformed and rows:
        broken = copy.deepcopy(rows[0])
        del broken["projectId"]
        broken["lastUpdated"] = "2022-01-01T00:00:00Z"
        rows.append(broken)
    body = {"projects": _page(request, rows), "total": len(rows), "facets": SEARCH["facets"]}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def activity_search(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    wanted = request.query.get("projectId")
    rows = [] if replay.empty else [a for a in copy.deepcopy(ACTIVITIES["activities"]) if a["projectId"] == wanted]
    body = {"activities": _page(request, rows), "total": len(rows)}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


def biocollect_app(replay: Replay) -> web.Application:
    """BioCollect: /ws/project/search and /ws/bioactivity/search."""
    app = replay_app(replay)
    app[TOUCHED] = {}
    app.router.add_get("/ws/project/search", project_search)
    app.router.add_get("/ws/bioactivity/search", activity_search)
    return app
