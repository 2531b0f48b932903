"""A Panoptes replay: ``/api/projects``, ``/api/workflows`` and ``/api/organizations`` in the real JSON-API shape.

Bodies use Panoptes' envelope (``<type>``, ``links``, ``meta.<type>`` with ``next_href``), its media type and
strong ETags; a conditional request with the current ETag gets a 304, as Panoptes answers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from aiohttp import web

PROJECTS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "zooniverse_projects.json").read_text()
)
ORGANIZATIONS = [
    {
        "id": "301",
        "display_name": "Replay Seabird Network",
        "title": "Replay Seabird Network",
        "description": "Seabird projects run together.",
        "slug": "replay-team/seabird-network",
        "listed": True,
        "links": {"projects": ["2001"]},
    }
]
MEDIA_TYPE = "application/vnd.api+json"


def _page(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    meta = {
        "page": 1,
        "page_size": 100,
        "count": len(items),
        "page_count": 1,
        "previous_page": None,
        "next_page": None,
        "first_href": f"/{kind}?page_size=100",
        "previous_href": None,
        "next_href": None,
        "last_href": f"/{kind}?page=1&page_size=100",
    }
    return {kind: items, "links": {}, "meta": {kind: meta}}


def _respond(request: web.Request, body: dict[str, Any]) -> web.Response:
    raw = json.dumps(body).encode()
    etag = '"' + hashlib.md5(raw, usedforsecurity=False).hexdigest() + '"'
    request.app[REQUESTS].append(request.path_qs)
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(body=raw, headers={"ETag": etag, "Content-Type": f"{MEDIA_TYPE}; charset=utf-8"})


REQUESTS = web.AppKey[list[str]]("requests")
# The projects the replay serves: a test may add to or change them between syncs, as a platform would.
SERVED_PROJECTS = web.AppKey[list[dict[str, Any]]]("served_projects")


async def _projects(request: web.Request) -> web.Response:
    return _respond(request, _page("projects", request.app[SERVED_PROJECTS]))


async def _workflows(request: web.Request) -> web.Response:
    return _respond(request, _page("workflows", []))


async def _organizations(request: web.Request) -> web.Response:
    return _respond(request, _page("organizations", ORGANIZATIONS))


def zooniverse_app(projects: list[dict[str, Any]] | None = None) -> web.Application:
    """The replay app; ``app[REQUESTS]`` lists every path it served, ``app[SERVED_PROJECTS]`` what it serves.

    Args:
        projects: the projects to serve (a copy of the recorded ``PROJECTS`` when not given).
    """
    app = web.Application()
    app[REQUESTS] = []
    app[SERVED_PROJECTS] = [dict(project) for project in (PROJECTS if projects is None else projects)]
    app.router.add_get("/api/projects", _projects)
    app.router.add_get("/api/workflows", _workflows)
    app.router.add_get("/api/organizations", _organizations)
    return app
