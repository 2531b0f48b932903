"""A generated Panoptes (Zooniverse) API for the stream tests: thousands of projects in the JSON-API shape.

Projects are generated from one template in Panoptes' real shape (string ids, ``meta.projects.next_href``,
``sort=-updated_at``, the vnd.api+json media type); a test changes or breaks a project through ``projects``.
No personal data: the owner slugs and texts are invented.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

PANOPTES_TYPE = "application/vnd.api+json; version=1; charset=utf-8"
PROJECTS = web.AppKey("projects", dict)
REQUESTS = web.AppKey("requests", list)


def project(number: int, *, title: str | None = None, updated: str = "2025-06-01T12:00:00.000Z") -> dict[str, Any]:
    """One live, launch-approved project; every fifth is about galaxies, the others about penguins."""
    theme = "Galaxy" if number % 5 == 0 else "Penguin"
    name = title or f"{theme} Survey {number}"
    return {
        "id": str(10000 + number),
        "display_name": name,
        "title": name,
        "description": f"Help classify {theme.lower()} images, set {number}.",
        "introduction": f"Look at {theme.lower()} pictures.",
        "classifications_count": number * 7,
        "subjects_count": 100 + number,
        "retired_subjects_count": number,
        "classifiers_count": number % 50,
        "created_at": "2024-01-01T00:00:00.000Z",
        "updated_at": updated,
        "launch_date": "2024-02-01T00:00:00.000Z",
        "available_languages": ["en"],
        "primary_language": "en",
        "private": False,
        "live": True,
        "launch_approved": True,
        "beta_approved": False,
        "state": "live",
        "slug": f"team-{number % 17}/survey-{number}",
        "href": f"/projects/{10000 + number}",
        "tags": ["space", "astronomy"] if theme == "Galaxy" else ["nature", "birds"],
        "urls": [],
        "configuration": {"user_chooses_workflow": False},
        "completeness": 0.5,
        "activity": 0,
        "links": {"workflows": [], "active_workflows": [], "organization": None},
    }


async def _projects(request: web.Request) -> web.Response:
    request.app[REQUESTS].append(request.path_qs)
    if "application/vnd.api+json" not in request.headers.get("Accept", ""):
        return web.Response(status=406, text="Not Acceptable")
    items = sorted(request.app[PROJECTS].values(), key=lambda p: p["updated_at"], reverse=True)
    size = min(int(request.query.get("page_size", "20")), 100)
    page = int(request.query.get("page", "1"))
    chunk = items[(page - 1) * size : page * size]
    more = page * size < len(items)
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query.items()) if k != "page")
    meta = {
        "page": page,
        "page_size": size,
        "count": len(items),
        "page_count": -(-len(items) // size),
        "next_page": page + 1 if more else None,
        "next_href": f"/projects?page={page + 1}&{query}" if more else None,
    }
    body = orjson.dumps({"projects": chunk, "links": {}, "meta": {"projects": meta}})
    return web.Response(body=body, content_type="application/vnd.api+json", charset="utf-8")


def panoptes_app(count: int) -> web.Application:
    """The API with ``count`` generated projects under /api/projects."""
    app = web.Application()
    app[PROJECTS] = {str(10000 + n): project(n) for n in range(1, count + 1)}
    app[REQUESTS] = []
    app.router.add_get("/api/projects", _projects)
    return app
