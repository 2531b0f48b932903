"""A replay of SciStarter's project finder (/finder) and Science Near Me's opportunity search (/api/v1/opportunity/).

Both serve the fixtures in ``fixtures/scistarter/`` in their real envelopes, with their real dishonesty about
size: the finder says ``total: 157`` whatever it holds, Science Near Me ``total: 1070`` and ``per_page: 999999``.
Pages carry ETags and answer 304 to a matching If-None-Match.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from aiohttp import web

from tests.connectors.replay import REPLAY, Replay, conditional, fixture_json, replay_app

FINDER: dict[str, Any] = fixture_json("scistarter", "finder_projects.json")
OPPORTUNITIES: dict[str, Any] = fixture_json("scistarter", "sciencenearme_opportunities.json")
FINDER_PAGE_SIZE = 3  # the finder decides its page size; the client cannot


async def finder(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    if request.query.get("format") != "json":
        return web.Response(text="<html>finder</html>", content_type="text/html")
    entities: list[dict[str, Any]] = [] if replay.empty else copy.deepcopy(FINDER["entities"])
    if replay.malformed:
        broken = copy.deepcopy(FINDER["entities"][1])
        del broken["guid"]
        entities.insert(1, broken)
    page = int(request.query.get("page", "1"))
    chunk = entities[(page - 1) * FINDER_PAGE_SIZE : page * FINDER_PAGE_SIZE]
    return conditional(
        request, orjson.dumps({"name": "Matches", "total": FINDER["total"], "page": page, "entities": chunk})
    )


async def opportunities(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    matches: list[dict[str, Any]] = [] if replay.empty else copy.deepcopy(OPPORTUNITIES["matches"])
    if replay.malformed:
        broken = copy.deepcopy(OPPORTUNITIES["matches"][0])
        broken["uid"] = ""
        matches.append(broken)
    size = int(request.query.get("per_page", "10"))
    page = int(request.query.get("page", "0"))
    chunk = matches[page * size : (page + 1) * size]
    pagination = {**OPPORTUNITIES["pagination"], "page_index": page}
    return conditional(request, orjson.dumps({"matches": chunk, "pagination": pagination}))


def scistarter_app(replay: Replay) -> web.Application:
    """The replay app: the SciStarter finder at /finder, Science Near Me under /api/v1."""
    app = replay_app(replay)
    app.router.add_get("/finder", finder)
    app.router.add_get("/api/v1/opportunity/", opportunities)
    return app
