"""Operations routes: ``/healthz``, ``/readyz``, ``/metrics``, ``/openapi.json`` and its page ``/docs``."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.api.docs_page import render
from hub.api.keys import METRICS, OPENAPI, READY_CHECK
from hub.api.models import Health, Readiness
from hub.api.routing import ApiRoutes, json_response

__all__ = ["routes"]

routes = ApiRoutes()


@routes.route("GET", "/healthz", summary="Liveness", tag="operations", responses={200: Health}, public=True)
async def healthz(request: web.Request) -> web.StreamResponse:
    """The process answers."""
    return json_response(Health(status="ok"))


@routes.route(
    "GET",
    "/readyz",
    summary="Readiness: Kafka answers, topics exist",
    tag="operations",
    responses={200: Readiness, 503: Readiness},
    public=True,
)
async def readyz(request: web.Request) -> web.StreamResponse:
    """200 when every check passes, 503 with the failing checks otherwise."""
    problems = await request.app[READY_CHECK]()
    checks = problems or {"kafka": "ok", "topics": "ok"}
    return json_response(Readiness(ready=not problems, checks=checks), 503 if problems else 200)


@routes.route(
    "GET", "/metrics", summary="Prometheus metrics", tag="operations", responses={200: None}, content_type="text/plain"
)
async def metrics(request: web.Request) -> web.StreamResponse:
    """Metrics in the Prometheus text format."""
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@routes.route(
    "GET", "/openapi.json", summary="This API's OpenAPI 3.1 document", tag="operations", responses={200: None}
)
async def openapi(request: web.Request) -> web.StreamResponse:
    """The OpenAPI document, generated from the handlers' models."""
    return web.Response(body=orjson.dumps(request.app[OPENAPI]), content_type="application/json")


@routes.route(
    "GET",
    "/docs",
    summary="This API as a readable page (no token needed)",
    tag="operations",
    responses={200: None},
    public=True,
    content_type="text/html",
)
async def docs(request: web.Request) -> web.StreamResponse:
    """Every operation with its parameters, body and responses, rendered here; nothing is fetched."""
    document: dict[str, Any] = request.app[OPENAPI]
    return web.Response(text=render(document), content_type="text/html")
