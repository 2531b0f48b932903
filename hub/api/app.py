"""The API's aiohttp application: routes, JSON errors, bearer-token auth, body limit and metrics."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from hub import __version__
from hub.api import connectors, ops, partner_credentials, partners, tokens
from hub.api.auth import Principal, authenticate, hash_token
from hub.api.docs_page import complete
from hub.api.keys import (
    BACKFILL,
    BOOTSTRAP_HASH,
    CLOCK,
    CONNECTOR_TYPES,
    METRICS,
    OPENAPI,
    PRINCIPAL,
    READY_CHECK,
    REGISTRY,
    RESOLVER,
    SECRETS_KEYS,
    SETTINGS,
    BackfillProbe,
    Clock,
    ReadyCheck,
    Registry,
)
from hub.api.metrics import HubMetrics, LagProbe
from hub.api.outbound import Resolver
from hub.api.problems import ApiError, Handler, error_middleware
from hub.api.routing import ApiRoutes
from hub.config import HubSettings
from hub.connectors.base import Connector
from hub.dump.http_doc import OPERATIONS as MOUNTED_OPERATIONS
from hub.security.secret_keys import Keyring, load_keyring
from hub.stream.state import PartnerSubscription

__all__ = ["api_routes", "make_app", "openapi_document"]

CleanupContext = Callable[[web.Application], AbstractAsyncContextManager[None]]
_DESCRIPTION = (
    "Register and run connectors, manage partner subscriptions, and watch the hub. Every route but /healthz and "
    "/readyz needs `Authorization: Bearer <token>`. Errors are JSON: {error, detail, fields}."
)


def api_routes() -> ApiRoutes:
    """Every route of the API, in the order the OpenAPI document lists them."""
    return ApiRoutes(
        specs=[
            *connectors.routes.specs,
            *partners.routes.specs,
            *partner_credentials.routes.specs,
            *tokens.routes.specs,
            *ops.routes.specs,
        ]
    )


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document the app serves at ``/openapi.json``."""
    return api_routes().openapi(title="CitSci Hub API", version=__version__, description=_DESCRIPTION)


async def _always_ready() -> dict[str, str]:
    return {}


async def _no_backfill(subscription: PartnerSubscription) -> dict[str, object] | None:
    return None


def _load_connector_types() -> Mapping[str, type[Connector]]:
    from hub.connectors import load_connector_types  # the registry reads entry points; imported when needed

    return load_connector_types()


# Routes mounted from other packages (hub.dump.http) carry no scope checks of their own: they are enforced here.
_PREFIX_SCOPES: tuple[tuple[str, Callable[[Principal], bool], str], ...] = (
    ("/sparql", lambda p: p.admin or p.analyst, "an analyst or admin token"),
    ("/dump", lambda p: p.admin or p.analyst, "an analyst or admin token"),
    ("/links/", lambda p: p.admin or p.operator, "an operator or admin token"),
)


def _auth_middleware(public: set[str]) -> Middleware:
    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        if resource is None or resource.canonical not in public:
            principal = authenticate(request, request.app[REGISTRY].tokens, request.app[BOOTSTRAP_HASH])
            request[PRINCIPAL] = principal
            for prefix, allowed, needs in _PREFIX_SCOPES:
                if request.path.startswith(prefix) and not allowed(principal):
                    raise ApiError(403, "forbidden", f"{request.path} needs {needs}")
        return await handler(request)

    return auth


@web.middleware
async def _metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        request.app[METRICS].http_latency.labels(request.method, route, str(status)).observe(
            time.perf_counter() - started
        )


def make_app(
    settings: HubSettings,
    *,
    registry: Registry,
    connector_types: Mapping[str, type[Connector]] | None = None,
    resolver: Resolver | None = None,
    ready_check: ReadyCheck | None = None,
    backfill: BackfillProbe | None = None,
    router_lag: LagProbe | None = None,
    metrics: HubMetrics | None = None,
    clock: Clock | None = None,
    cleanup: Sequence[CleanupContext] = (),
    extra_routes: Iterable[web.AbstractRouteDef] = (),
    extra_setup: Callable[[web.Application], None] | None = None,
    public_routes: Iterable[web.AbstractRouteDef] = (),
    middlewares: Sequence[Middleware] = (),
    secrets_keys: Callable[[], Keyring] | None = None,
) -> web.Application:
    """Build the API application.

    Args:
        settings: the hub's settings (``settings.api`` for the body limit, admin token and outbound allow-list).
        registry: the state tables (Kafka-backed in the hub; ``MemoryTable`` in unit tests).
        connector_types: installed connector types; the ``hub.connectors`` entry points by default.
        resolver: name resolution for the outbound check (tests pass a fake one).
        ready_check: what ``/readyz`` runs; always ready by default.
        backfill: the partner router's backfill progress per subscription; unknown by default.
        router_lag: the partner router's consumer lag, for ``/metrics``.
        metrics: the process's metrics (shared with its scheduler); a new registry by default.
        clock: the current time, for tests.
        cleanup: contexts to run on startup and undo on cleanup (e.g. starting the state tables).
        extra_routes: more aiohttp routes (the dump, SPARQL and link handlers of ``hub.dump.http``); they need a
            token too, with the analyst scope for ``/sparql`` and ``/dump``, operator for ``/links``.
        extra_setup: called with the app before it is frozen, e.g. ``hub.dump.http.setup``.
        public_routes: routes that need no bearer token (the portal's pages, which have their own sessions).
        middlewares: more middleware, outermost (the portal's security headers).
        secrets_keys: the keys that encrypt connector secrets before they are stored; by default
            ``load_keyring(settings)``, asked at each store (tests pass a fixed keyring).
    """
    routes = api_routes()
    public = routes.public_paths()
    app = web.Application(
        client_max_size=settings.api.max_body_bytes,
        middlewares=[*middlewares, _metrics_middleware, error_middleware, _auth_middleware(public)],
    )
    app[SETTINGS] = settings
    app[REGISTRY] = registry
    app[CONNECTOR_TYPES] = connector_types if connector_types is not None else _load_connector_types()
    app[RESOLVER] = resolver
    app[READY_CHECK] = ready_check or _always_ready
    app[BACKFILL] = backfill or _no_backfill
    admin_token = settings.api.admin_token
    app[BOOTSTRAP_HASH] = hash_token(admin_token.get_secret_value()) if admin_token is not None else None
    app[CLOCK] = clock or (lambda: datetime.now(UTC))
    app[SECRETS_KEYS] = secrets_keys or functools.partial(load_keyring, settings)
    hub_metrics = metrics or HubMetrics()
    hub_metrics.watch_status(registry.status, router_lag)
    app[METRICS] = hub_metrics
    routes.add_to(app.router)
    app.router.add_routes(list(extra_routes))
    public.update(route.resource.canonical for route in app.router.add_routes(list(public_routes)) if route.resource)
    if extra_setup is not None:
        extra_setup(app)
    # Every route the app serves, the mounted ones too, is in the document and on /docs.
    app[OPENAPI] = complete(openapi_document(), app.router.routes(), MOUNTED_OPERATIONS, routes.public_paths())
    app.cleanup_ctx.extend(cleanup)
    return app
