"""One way to answer a page: HTML through a template, or its JSON twin (``?format=json`` or a ``.json`` path)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
import orjson
from aiohttp import web

from hub.web.security import csrf_token, web_principal

__all__ = ["page", "wants_json"]


def wants_json(request: web.Request) -> bool:
    """Whether the JSON twin of the page was asked for."""
    return request.query.get("format") == "json" or request.path.endswith(".json")


def page(request: web.Request, template: str, data: dict[str, Any], *, status: int = 200, **extra: Any) -> web.Response:
    """Render ``template`` with ``data`` (what the JSON twin answers) and ``extra`` (HTML-only helpers)."""
    if wants_json(request):
        return web.Response(
            body=orjson.dumps(data, default=str), status=status, content_type="application/json", charset="utf-8"
        )
    principal = web_principal(request)
    context = {**data, **extra, "me": principal, "csrf": csrf_token(request), "path": request.path}
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers.setdefault("Cache-Control", "no-store" if principal is not None else "no-cache")
    return response
