"""A replay of iNaturalist API v1: /projects/{ids}, /observations (id_above, updated_since) and /observations/observers.

Serves ``fixtures/inaturalist/`` in the API's envelope ``{total_results, page, per_page, results}``, ordered and
filtered as the live API does, so incremental paging is exercised for real.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from tests.connectors.replay import REPLAY, Replay, fixture_json, replay_app

PROJECTS: list[dict[str, Any]] = fixture_json("inaturalist", "v1_projects.json")["results"]
OBSERVATIONS: list[dict[str, Any]] = fixture_json("inaturalist", "v1_observations_project_8291.json")
OBSERVERS: dict[str, Any] = fixture_json("inaturalist", "v1_observations_observers_project_8291.json")


def _envelope(results: list[Any], *, page: int = 1, per_page: int = 30, total: int | None = None) -> web.Response:
    body = {
        "total_results": len(results) if total is None else total,
        "page": page,
        "per_page": per_page,
        "results": results,
    }
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def projects(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    wanted = set(request.match_info["ids"].split(","))
    found = [] if replay.empty else [p for p in PROJECTS if str(p["id"]) in wanted]
    return _envelope(found)


def _observations(replay: Replay) -> list[tuple[int, dict[str, Any]]]:
    """(sort id, observation) in id order; the malformed one (no id) sorts with the record it was copied from."""
    rows = [] if replay.empty else [(o["id"], o) for o in copy.deepcopy(OBSERVATIONS)]
    if replay.malformed and rows:
        broken = copy.deepcopy(rows[1][1])
        del broken["id"]
        rows.insert(2, (rows[1][0] + 1, broken))
    return rows


async def observations(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    query = request.query
    rows = _observations(replay) if query.get("project_id") == "8291" else []
    id_above = int(query.get("id_above", "0"))
    per_page = min(int(query.get("per_page", "30")), 200)
    since = query.get("updated_since")

    def keep(sort_id: int, obs: dict[str, Any]) -> bool:
        if sort_id <= id_above:
            return False
        return not (since and datetime.fromisoformat(obs["updated_at"]) < datetime.fromisoformat(since))

    selected = [obs for sort_id, obs in rows if keep(sort_id, obs)]
    return _envelope(selected[:per_page], per_page=per_page, total=len(selected))


async def observers(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    if replay.empty or request.query.get("project_id") != "8291":
        return _envelope([], total=0)
    page = int(request.query.get("page", "1"))
    rows = OBSERVERS["results"]
    # Two observers a page, so paging through the counts is exercised.
    chunk = rows[(page - 1) * 2 : page * 2]
    return _envelope(chunk, page=page, per_page=2, total=len(rows))


def inaturalist_app(replay: Replay) -> web.Application:
    """The replay app, rooted at /v1/."""
    app = replay_app(replay)
    app.router.add_get("/v1/projects/{ids}", projects)
    app.router.add_get("/v1/observations", observations)
    app.router.add_get("/v1/observations/observers", observers)
    return app
