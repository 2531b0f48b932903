"""Mount the portal on the API's application: routes, templates, static files, middleware and state.

``hub up`` passes `routes` to `hub.api.app.make_app` as public routes (the API's bearer check does not apply;
the portal's own cookie session does) and calls `setup` from ``extra_setup``.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
import orjson
import xstatic.pkg.leaflet as leaflet
from aiohttp import web
from aiohttp.typedefs import Middleware

from hub.config import HubSettings
from hub.stream.kafka import KafkaClients
from hub.web import console, directory, partner, signin, sparql_page
from hub.web.apiclient import client_context
from hub.web.index import DirectoryIndex
from hub.web.keys import INDEX, WEB_SETTINGS
from hub.web.operations import DEAD_LETTERS, DeadLetters
from hub.web.render import page
from hub.web.security import SESSIONS, Handler, Sessions, security_headers
from hub.web.settings import WebSettings

__all__ = ["index_path", "middlewares", "routes", "setup"]

_STATIC = Path(__file__).parent / "static"
_LEAFLET = Path(leaflet.BASE_DIR)
_static_routes = web.RouteTableDef()


def _file(root: Path, relative: str) -> web.FileResponse:
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})


@_static_routes.get("/static/leaflet/{path:.+}")
async def _leaflet(request: web.Request) -> web.FileResponse:
    """Leaflet's files, from the pinned ``xstatic-leaflet`` package (never copied into the repository)."""
    return _file(_LEAFLET, request.match_info["path"])


@_static_routes.get("/static/{path:.+}")
async def _static(request: web.Request) -> web.FileResponse:
    """The portal's own CSS and JavaScript."""
    return _file(_STATIC, request.match_info["path"])


routes: list[web.AbstractRouteDef] = [
    *_static_routes,
    *sparql_page.routes,
    *directory.routes,
    *signin.routes,
    *console.routes,
    *partner.routes,
]


def index_path(settings: HubSettings, web_settings: WebSettings) -> Path:
    """Where the directory index lives: ``HUB_WEB__INDEX_PATH``, by default ``<state_dir>/web/directory.sqlite3``."""
    return web_settings.index_path or settings.state_dir / "web" / "directory.sqlite3"


def _tile_origin(tile_url: str) -> str | None:
    if not tile_url:
        return None
    scheme, _, rest = tile_url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return f"{scheme}://{host}"


def _portal_route(request: web.Request) -> bool:
    handler = getattr(request.match_info.route, "handler", None)
    return getattr(handler, "__module__", "").startswith("hub.web.")


def middlewares(web_settings: WebSettings) -> list[Middleware]:
    """The portal's middleware, outermost on the app: security headers, HTML errors, the SPARQL page."""

    @web.middleware
    async def portal_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
        if sparql_page.browser_wants_page(request) and INDEX in request.app:
            return await sparql_page.sparql_page(request)
        response = await handler(request)
        # The API's error middleware answers JSON; a person on a portal page gets the same error as a page.
        if (
            response.status >= 400
            and _portal_route(request)
            and response.content_type == "application/json"
            and "text/html" in request.headers.get("Accept", "")
            and isinstance(response, web.Response)
            and response.body is not None
        ):
            try:
                detail = str(orjson.loads(bytes(response.body)).get("detail", ""))  # type: ignore[arg-type]
            except (orjson.JSONDecodeError, AttributeError):
                detail = ""
            return page(request, "error.html", {"status": response.status, "detail": detail}, status=response.status)
        return response

    return [security_headers(_tile_origin(web_settings.tile_url)), portal_pages]


def setup(
    app: web.Application,
    settings: HubSettings,
    index: DirectoryIndex,
    *,
    web_settings: WebSettings | None = None,
    kafka: KafkaClients | None = None,
) -> None:
    """Put the portal's templates and state on ``app``.

    Args:
        app: the API application (made with ``public_routes=routes`` and ``middlewares=middlewares(...)``).
        settings: the hub's settings.
        index: the directory index the pages read.
        web_settings: the portal's settings; read from ``HUB_WEB__*`` when not given.
        kafka: the hub's Kafka clients, for dead letters; without them the console shows none.
    """
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("hub.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.ChainableUndefined,
    )
    app[INDEX] = index
    app[WEB_SETTINGS] = web_settings or WebSettings()
    app[SESSIONS] = Sessions()
    console.setup_console(app)
    if kafka is not None:
        app[DEAD_LETTERS] = DeadLetters(settings, kafka)
    app.cleanup_ctx.append(client_context)
