"""A replay of Zooniverse: Panoptes (/api/...), ERAS (/eras/...) and an export file (/exports/...).

Handlers serve the fixtures in ``fixtures/zooniverse/`` in Panoptes' real shapes: the JSON-API envelope with
``meta.<resource>.next_href`` and string ids, the vnd.api+json media type (and the wrong ``text/html`` on
classifications, with fake counts), ``sort=-updated_at``, ``last_id``, ETags and 304s.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from tests.connectors.replay import REPLAY, Replay, conditional, fixture_bytes, fixture_json, replay_app

PROJECTS: list[dict[str, Any]] = fixture_json("zooniverse", "projects.json")
ORGANIZATIONS: list[dict[str, Any]] = fixture_json("zooniverse", "organizations.json")
WORKFLOWS: list[dict[str, Any]] = fixture_json("zooniverse", "workflows.json")
CLASSIFICATIONS: dict[str, Any] = fixture_json("zooniverse", "classifications_api.json")
ERAS_WEEK: dict[str, Any] = fixture_json("zooniverse", "eras_classifications_week.json")
EXPORT = fixture_bytes("zooniverse", "classifications_export.csv")
EXPORT_MALFORMED = fixture_bytes("zooniverse", "classifications_export_malformed.csv")
EVENT = fixture_json("zooniverse", "event_stream_classification.json")
PANOPTES_TYPE = "application/vnd.api+json; version=1; charset=utf-8"
EXPORT_LAST_MODIFIED = "Tue, 21 Jan 2025 17:00:00 GMT"

MALFORMED_PROJECT: dict[str, Any] = {
    "id": "9999",
    "display_name": None,
    "updated_at": "2026-01-01T00:00:00.000Z",
    "state": "live",
    "links": {},
}


def _page(
    request: web.Request, resource: str, items: list[Any], *, fake_counts: bool = False
) -> tuple[list[Any], dict[str, Any]]:
    size = min(int(request.query.get("page_size", "20")), 100)
    page = int(request.query.get("page", "1"))
    chunk = items[(page - 1) * size : page * size]
    more = page * size < len(items)
    query = {k: v for k, v in request.query.items() if k != "page"}
    base = request.path.removeprefix("/api")
    qs = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    meta = {
        "page": page,
        "page_size": size,
        "count": 0 if fake_counts else len(items),
        "include": [],
        "page_count": 0 if fake_counts else -(-len(items) // size),
        "previous_page": page - 1 if page > 1 else (0 if fake_counts else None),
        # Panoptes says next_page: 2 on classifications even when there is none: only next_href is honest.
        "next_page": page + 1 if more or fake_counts else None,
        "first_href": f"{base}?{qs}",
        "previous_href": f"{base}?page={page - 1}&{qs}" if page > 1 else None,
        "next_href": f"{base}?page={page + 1}&{qs}" if more else None,
        "last_href": f"{base}?{qs}",
    }
    return chunk, {resource: meta}


def _jsonapi(request: web.Request, resource: str, items: list[Any], **kw: Any) -> web.Response:
    chunk, meta = _page(request, resource, items, **kw)
    body = orjson.dumps({resource: chunk, "links": {}, "meta": meta})
    content_type = "text/html" if resource == "classifications" else PANOPTES_TYPE
    return conditional(request, body, content_type=content_type)


@web.middleware
async def _accept(request: web.Request, handler: Any) -> Any:
    # Panoptes answers 406 to a client that does not ask for its JSON-API media type.
    if request.path.startswith("/api/") and "application/vnd.api+json" not in request.headers.get("Accept", ""):
        return web.Response(status=406, text="Not Acceptable")
    return await handler(request)


async def projects(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    items = [] if replay.empty else copy.deepcopy(PROJECTS)
    if replay.malformed:
        items.append(copy.deepcopy(MALFORMED_PROJECT))
    if "id" in request.query:
        wanted = set(request.query["id"].split(","))
        items = [p for p in items if p["id"] in wanted]
    if request.query.get("sort") == "-updated_at":
        items.sort(key=lambda p: p["updated_at"], reverse=True)
    return _jsonapi(request, "projects", items)


async def workflows(request: web.Request) -> web.Response:
    project_id = request.query.get("project_id")
    items = [w for w in WORKFLOWS if w["links"]["project"] == project_id]
    return _jsonapi(request, "workflows", items)


async def organizations(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    return _jsonapi(request, "organizations", [] if replay.empty else ORGANIZATIONS)


async def classifications(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    if request.headers.get("Authorization") is None:
        return web.Response(status=401, content_type="text/html")
    items: list[dict[str, Any]] = [] if replay.empty else copy.deepcopy(CLASSIFICATIONS["classifications"])
    if replay.malformed:
        broken = copy.deepcopy(CLASSIFICATIONS["classifications"][-1])
        broken["id"] = None
        items.insert(2, broken)
    last_id = request.query.get("last_id")
    if last_id:
        items = [c for c in items if c["id"] is not None and int(c["id"]) > int(last_id)]
    return _jsonapi(request, "classifications", items, fake_counts=True)


async def eras(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    data: Mapping[str, Any] = {"total_count": 0, "data": []} if replay.empty else copy.deepcopy(ERAS_WEEK)
    project = request.query.get("project_id", "0")
    if replay.malformed and data["data"] and project == "405":
        data = {**data, "data": [*data["data"], {"period": "2025-01-27T00:00:00.000Z", "count": "many"}]}
    # Vary the counts by project so that projects differ.
    shifted = [
        {**b, "count": b["count"] + int(project) % 7} if isinstance(b["count"], int) else b for b in data["data"]
    ]
    return conditional(request, orjson.dumps({**data, "data": shifted}))


async def export(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    body = EXPORT_MALFORMED if replay.malformed else EXPORT
    if replay.empty:
        body = EXPORT.split(b"\n", 1)[0] + b"\n"
    return conditional(request, body, content_type="text/csv", last_modified=EXPORT_LAST_MODIFIED)


def zooniverse_app(replay: Replay) -> web.Application:
    """The replay app: Panoptes under /api, ERAS under /eras, the export under /exports."""
    app = replay_app(replay)
    app.middlewares.append(_accept)
    app.router.add_get("/api/projects", projects)
    app.router.add_get("/api/workflows", workflows)
    app.router.add_get("/api/organizations", organizations)
    app.router.add_get("/api/classifications/project", classifications)
    app.router.add_get("/eras/classifications", eras)
    app.router.add_get("/exports/classifications.csv", export)
    return app
