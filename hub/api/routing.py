"""Routes declared once, with the models they read and write, for both aiohttp and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hub.api.problems import ErrorBody

__all__ = ["ApiRoutes", "Handler", "QueryParam", "RouteSpec", "json_response"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_ERROR_STATUSES = {
    400: "Malformed request",
    401: "Missing or unknown bearer token",
    403: "The token's scopes do not allow this",
    404: "No such resource (or not visible to this token)",
    413: "Request body too large",
    415: "Request body is not JSON",
    409: "Conflicts with the current state (exists already, paused, running)",
    422: "Request body or parameters invalid; `fields` names each problem",
    503: "Kafka, the system of record, did not answer",
}
_PRIVATE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 503)


@dataclass(frozen=True)
class QueryParam:
    """A query parameter of a route."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class RouteSpec:
    """One operation: its path, handler, models and who may call it."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | None]
    query: Sequence[QueryParam] = ()
    public: bool = False
    content_type: str = "application/json"
    errors: Sequence[int] = _PRIVATE_ERRORS


@dataclass
class ApiRoutes:
    """A table of routes that makes both the aiohttp router entries and the OpenAPI 3.1 document."""

    specs: list[RouteSpec] = field(default_factory=list)

    def route(
        self,
        method: Literal["GET", "POST", "PUT", "DELETE"],
        path: str,
        *,
        summary: str,
        tag: str,
        responses: dict[int, type[BaseModel] | None],
        body: type[BaseModel] | None = None,
        query: Sequence[QueryParam] = (),
        public: bool = False,
        content_type: str = "application/json",
    ) -> Callable[[Handler], Handler]:
        """Register the decorated handler for ``method path``."""

        def register(handler: Handler) -> Handler:
            errors: tuple[int, ...] = () if public else _PRIVATE_ERRORS
            self.specs.append(
                RouteSpec(method, path, handler, summary, tag, body, responses, query, public, content_type, errors)
            )
            return handler

        return register

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Add every route to an aiohttp router."""
        for spec in self.specs:
            router.add_route(spec.method, spec.path, spec.handler)

    def public_paths(self) -> set[str]:
        """Paths that need no token."""
        return {spec.path for spec in self.specs if spec.public}

    def openapi(self, *, title: str, version: str, description: str) -> dict[str, Any]:
        """The OpenAPI 3.1 document of these routes, with JSON Schemas generated from their pydantic models."""
        wanted: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [(ErrorBody, "serialization")]
        for spec in self.specs:
            if spec.body is not None:
                wanted.append((spec.body, "validation"))
            wanted.extend((model, "serialization") for model in spec.responses.values() if model is not None)
        unique = list(dict.fromkeys(wanted))
        refs, defs = models_json_schema(unique, ref_template="#/components/schemas/{model}")
        paths: dict[str, dict[str, Any]] = {}
        for spec in self.specs:
            operation: dict[str, Any] = {
                "operationId": f"{spec.method.lower()}_{spec.handler.__name__}",
                "summary": spec.summary,
                "tags": [spec.tag],
                "responses": {},
            }
            parameters = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": _PATH_PATTERN}}
                for name in _path_names(spec.path)
            ]
            parameters += [
                {"name": q.name, "in": "query", "required": False, "schema": q.schema, "description": q.description}
                for q in spec.query
            ]
            if parameters:
                operation["parameters"] = parameters
            if spec.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": refs[(spec.body, "validation")]}},
                }
            for status, model in spec.responses.items():
                response: dict[str, Any] = {"description": "OK" if status < 300 else "Accepted"}
                if model is not None:
                    response["content"] = {spec.content_type: {"schema": refs[(model, "serialization")]}}
                elif spec.content_type != "application/json":
                    response["content"] = {spec.content_type: {"schema": {"type": "string"}}}
                operation["responses"][str(status)] = response
            error_ref = refs[(ErrorBody, "serialization")]
            for status in spec.errors:
                operation["responses"][str(status)] = {
                    "description": _ERROR_STATUSES[status],
                    "content": {"application/json": {"schema": error_ref}},
                }
            if spec.public:
                operation["security"] = []
            paths.setdefault(spec.path, {})[spec.method.lower()] = operation
        return {
            "openapi": "3.1.0",
            "info": {"title": title, "version": version, "description": description},
            "paths": paths,
            "components": {
                "schemas": defs.get("$defs", {}),
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}],
        }


_PATH_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"


def _path_names(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def json_response(model: BaseModel, status: int = 200) -> web.Response:
    """A JSON response from a response model."""
    return web.Response(
        status=status, body=orjson.dumps(model.model_dump(mode="json")), content_type="application/json"
    )
