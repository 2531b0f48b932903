"""``/connectors`` and ``/connector-types``: register, inspect, run, pause and delete connectors.

Shaped after Kafka Connect's REST API, with its users' complaints fixed: every call needs a token, secrets
are write-only, status believes only live workers, and deleting a connector deletes its cursor too unless
``keep_cursor=true`` is asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog
from aiohttp import web
from pydantic import RootModel, ValidationError

from hub.api.auth import Principal
from hub.api.keys import CLOCK, CONNECTOR_TYPES, PRINCIPAL, REGISTRY, RESOLVER, SECRETS_KEYS, SETTINGS
from hub.api.models import (
    DEFAULT_INTERVAL_S,
    NAME_PATTERN,
    Accepted,
    ConnectorCreate,
    ConnectorList,
    ConnectorPut,
    ConnectorStatusView,
    ConnectorTypeList,
    ConnectorTypeView,
    ConnectorView,
    CursorView,
    RunList,
    RunView,
    ValidationReport,
)
from hub.api.outbound import check_config_urls
from hub.api.problems import ApiError, FieldError, field_errors, parse_body
from hub.api.routing import ApiRoutes, QueryParam, json_response
from hub.api.secrets import mask, merge_secrets, secret_fields
from hub.api.status import CommandRecord, status_view
from hub.connectors.base import Connector
from hub.errors import SecretsKeyError
from hub.security.connector_secrets import seal_config
from hub.stream.state import ConnectorRecord
from hub.worker.runs import RunHistory

__all__ = ["connector_view", "routes"]

log = structlog.get_logger(__name__)
routes = ApiRoutes()


class ConfigPayload(RootModel[dict[str, Any]]):
    """A connector configuration, as its type's schema describes it."""


def _caller(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def _require_operator(principal: Principal) -> None:
    if not (principal.admin or principal.operator):
        raise ApiError(403, "forbidden", "this needs an admin or operator token")


def _visible(request: web.Request, name: str) -> ConnectorRecord:
    """The connector ``name`` if the caller may see it; 404 otherwise, so others' connectors stay unknown."""
    record = request.app[REGISTRY].connectors.get(name)
    if record is None or not _caller(request).can_operate(record.name, record.type):
        raise ApiError(404, "not_found", f"no connector {name!r}")
    return record


def _may_take(request: web.Request, name: str, connector_type: str) -> None:
    """Refuse to create or replace ``name`` unless the caller may operate it, saying nothing of others' connectors.

    Permission is checked before existence, so a name the caller may not use gets the same 403 whether or not
    a connector holds it; a name its scopes allow but that a connector it cannot see holds gets a 409 that names
    neither that connector's type nor its owner. (Names are one namespace, so that the name is taken cannot be
    hidden: the caller chose the name, and learns only that it must choose another.)
    """
    principal = _caller(request)
    if not principal.can_operate(name, connector_type):
        raise ApiError(403, "forbidden", f"this token may not operate connector {name!r} of type {connector_type!r}")
    existing = request.app[REGISTRY].connectors.get(name)
    if existing is not None and not principal.can_operate(existing.name, existing.type):
        raise ApiError(
            409,
            "name_unavailable",
            f"the connector name {name!r} is not available to this token; choose another name",
            [FieldError(field="name", message="not available; choose another name")],
        )


def _connector_type(request: web.Request, name: str) -> type[Connector]:
    types = request.app[CONNECTOR_TYPES]
    if name not in types:
        raise ApiError(
            422,
            "unknown_connector_type",
            f"unknown connector type {name!r}; installed: {sorted(types)}",
            [FieldError(field="type", message=f"unknown connector type; installed: {sorted(types)}")],
        )
    return types[name]


def connector_view(record: ConnectorRecord, model: type[Connector] | None) -> ConnectorView:
    """The API's view of a stored connector, secrets masked."""
    config_model = model.config_model if model is not None else None
    return ConnectorView(
        name=record.name,
        type=record.type,
        config=mask(config_model, record.config),
        secret_fields=secret_fields(config_model, record.config),
        schedule_interval_s=record.schedule_interval_s,
        cron=record.cron,
        paused=record.paused,
        owner=record.owner,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


async def _problems(request: web.Request, connector: type[Connector], config: Mapping[str, Any]) -> list[FieldError]:
    """Every problem of ``config`` for ``connector``: schema errors, then refused outbound URLs."""
    try:
        validated = connector.config_model.model_validate(dict(config))
    except ValidationError as exc:
        return field_errors(exc, prefix="config")
    settings = request.app[SETTINGS].api
    # The validated dump includes defaults, so a default URL is checked as well as one sent.
    effective = validated.model_dump(mode="json")
    refused = await check_config_urls(
        effective,
        settings.outbound_allow,
        resolver=request.app[RESOLVER],
        require_resolution=_bool_query(request, "resolve_check", default=True),
    )
    hint = "; for a site whose DNS is not up yet, register with --no-resolve-check (API: ?resolve_check=false)"
    return [
        FieldError(field=f"config.{key}", message=reason + (hint if "does not resolve now" in reason else ""))
        for key, reason in sorted(refused.items())
    ]


async def _store(
    request: web.Request, name: str, body: ConnectorPut, existing: ConnectorRecord | None
) -> ConnectorRecord:
    principal = _caller(request)
    if not principal.can_operate(name, body.type):
        raise ApiError(403, "forbidden", f"this token may not operate connector {name!r} of type {body.type!r}")
    connector = _connector_type(request, body.type)
    old_config = existing.config if existing is not None and existing.type == body.type else None
    config = merge_secrets(connector.config_model, body.config, old_config)
    problems = await _problems(request, connector, config)
    if problems:
        names = ", ".join(p.field for p in problems)
        raise ApiError(422, "invalid_config", f"connector config is invalid at: {names}", problems)
    try:
        # Validated in clear, stored sealed: from here on the secrets exist only as ciphertext (issue 14).
        config = seal_config(connector.config_model, config, request.app[SECRETS_KEYS])
    except SecretsKeyError as exc:
        log.error("api.secrets_key_unusable", connector=name, error=str(exc))  # noqa: TRY400 - no locals in logs
        raise ApiError(503, "secrets_key_unusable", f"connector secrets cannot be encrypted: {exc}") from exc
    now = request.app[CLOCK]()
    interval = None if body.cron else (body.schedule_interval_s or DEFAULT_INTERVAL_S)
    paused = body.paused if body.paused is not None else (existing.paused if existing is not None else False)
    record = ConnectorRecord(
        name=name,
        type=body.type,
        config=config,
        schedule_interval_s=interval,
        cron=body.cron,
        paused=paused,
        owner=existing.owner if existing is not None else principal.token_id,
        created_at=existing.created_at if existing is not None else now,
        updated_at=now,
    )
    registry = request.app[REGISTRY]
    if existing is None and registry.commands.get(name) is not None:
        # Requests for an earlier connector of this name (a deletion, a sync) do not apply to the new one.
        await registry.commands.put(name, None)
    await registry.connectors.put(name, record)
    log.info("api.connector_stored", connector=name, type=body.type, created=existing is None)
    return record


@routes.route(
    "GET",
    "/connectors",
    summary="List the connectors this token may see",
    tag="connectors",
    responses={200: ConnectorList},
    query=[QueryParam("expand", {"type": "string", "enum": ["status"]}, "status: include each connector's state.")],
)
async def list_connectors(request: web.Request) -> web.StreamResponse:
    """Every connector the caller operates (all of them for an admin); ``?expand=status`` adds their states."""
    principal = _caller(request)
    types = request.app[CONNECTOR_TYPES]
    expand = request.query.get("expand")
    if expand not in (None, "status"):
        raise ApiError(
            422,
            "invalid_query",
            f"expand must be 'status', not {expand!r}",
            [FieldError(field="expand", message="expected status")],
        )
    views = [
        connector_view(record, types.get(record.type)).model_copy(
            update={"status": _status(request, record) if expand else None}
        )
        for _, record in request.app[REGISTRY].connectors.items()
        if principal.can_operate(record.name, record.type)
    ]
    return json_response(ConnectorList(connectors=views))


@routes.route(
    "POST",
    "/connectors",
    summary="Register a connector",
    tag="connectors",
    body=ConnectorCreate,
    responses={201: ConnectorView},
    query=[
        QueryParam(
            "resolve_check",
            {"type": "boolean"},
            "false: accept a URL whose host does not resolve yet (one that resolves is still checked).",
        )
    ],
)
async def create_connector(request: web.Request) -> web.StreamResponse:
    """Register a new connector; 409 when the name is taken."""
    _require_operator(_caller(request))
    body = await parse_body(request, ConnectorCreate)
    _may_take(request, body.name, body.type)
    if request.app[REGISTRY].connectors.get(body.name) is not None:
        raise ApiError(409, "conflict", f"connector {body.name!r} exists; PUT /connectors/{body.name} changes it")
    fields = body.model_dump(exclude={"name"})
    record = await _store(request, body.name, ConnectorPut.model_validate(fields), None)
    return json_response(connector_view(record, _connector_type(request, record.type)), 201)


@routes.route(
    "GET", "/connectors/{name}", summary="A connector's configuration", tag="connectors", responses={200: ConnectorView}
)
async def get_connector(request: web.Request) -> web.StreamResponse:
    """One connector, secrets masked."""
    record = _visible(request, request.match_info["name"])
    return json_response(connector_view(record, request.app[CONNECTOR_TYPES].get(record.type)))


@routes.route(
    "PUT",
    "/connectors/{name}",
    summary="Create or replace a connector",
    tag="connectors",
    body=ConnectorPut,
    responses={200: ConnectorView, 201: ConnectorView},
    query=[
        QueryParam(
            "resolve_check",
            {"type": "boolean"},
            "false: accept a URL whose host does not resolve yet (one that resolves is still checked).",
        )
    ],
)
async def put_connector(request: web.Request) -> web.StreamResponse:
    """Create or replace; secrets left out (or masked) keep their stored values."""
    _require_operator(_caller(request))
    name = _path_name(request)
    body = await parse_body(request, ConnectorPut)
    _may_take(request, name, body.type)
    existing = request.app[REGISTRY].connectors.get(name)
    record = await _store(request, name, body, existing)
    return json_response(
        connector_view(record, _connector_type(request, record.type)), 201 if existing is None else 200
    )


def _path_name(request: web.Request) -> str:
    name = request.match_info["name"]
    if not re.match(NAME_PATTERN, name):
        raise ApiError(
            422,
            "invalid_name",
            f"connector name {name!r} is invalid",
            [FieldError(field="name", message="use [A-Za-z0-9_-]{1,100}")],
        )
    return name


@routes.route(
    "DELETE",
    "/connectors/{name}",
    summary="Delete a connector (and its cursor, unless keep_cursor=true)",
    tag="connectors",
    responses={204: None},
    query=[QueryParam("keep_cursor", {"type": "boolean"}, "Keep the cursor so a new connector of this name resumes.")],
)
async def delete_connector(request: web.Request) -> web.StreamResponse:
    """Delete the connector, its status and pending commands, and its cursor unless asked to keep it."""
    record = _visible(request, request.match_info["name"])
    keep = _bool_query(request, "keep_cursor")
    registry = request.app[REGISTRY]
    await registry.connectors.put(record.name, None)
    deleted = CommandRecord(connector=record.name, deleted_at=request.app[CLOCK](), keep_cursor=keep)
    await registry.commands.put(record.name, deleted)
    await registry.status.put(record.name, None)
    if not keep:
        await registry.cursors.put(record.name, None)
    log.info("api.connector_deleted", connector=record.name, kept_cursor=keep)
    return web.Response(status=204)


def _bool_query(request: web.Request, name: str, *, default: bool = False) -> bool:
    raw = request.query.get(name, str(default)).lower()
    if raw not in {"true", "false", "1", "0"}:
        raise ApiError(
            422,
            "invalid_query",
            f"{name} must be true or false, not {raw!r}",
            [FieldError(field=name, message="expected true or false")],
        )
    return raw in {"true", "1"}


@routes.route(
    "GET",
    "/connectors/{name}/status",
    summary="A connector's state",
    tag="connectors",
    responses={200: ConnectorStatusView},
)
async def get_status(request: web.Request) -> web.StreamResponse:
    """State, last error, last success, counters, and whether it is stale."""
    record = _visible(request, request.match_info["name"])
    return json_response(_status(request, record))


@routes.route(
    "GET",
    "/connectors/{name}/runs",
    summary="A connector's run history, newest first",
    tag="connectors",
    responses={200: RunList},
    query=[
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Runs per page (default 20)."),
        QueryParam("before", {"type": "string"}, "A run id: the page of runs older than it."),
    ],
)
async def list_runs(request: web.Request) -> web.StreamResponse:
    """Every run of the connector the run history still holds (30 days), with its counts and outcome."""
    record = _visible(request, request.match_info["name"])
    raw_limit = request.query.get("limit", "20")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
        raise ApiError(
            400,
            "invalid_query",
            f"limit must be an integer from 1 to 200, not {raw_limit!r}",
            [FieldError(field="limit", message="expected an integer from 1 to 200")],
        )
    limit = int(raw_limit)
    before = request.query.get("before")
    runs = RunHistory(request.app[REGISTRY].runs).runs(record.name, limit=limit + 1, before=before)
    page, more = runs[:limit], len(runs) > limit
    next_url = str(request.url.with_query(limit=str(limit), before=page[-1].run_id)) if more else None
    return json_response(RunList(runs=[RunView.model_validate(run.model_dump()) for run in page], next=next_url))


def _status(request: web.Request, record: ConnectorRecord) -> ConnectorStatusView:
    registry = request.app[REGISTRY]
    status = registry.status.get(record.name)
    workers = [worker for _, worker in registry.workers.items()]
    return status_view(record, status, workers, now=request.app[CLOCK]())


async def _set_paused(request: web.Request, paused: bool) -> web.StreamResponse:
    record = _visible(request, request.match_info["name"])
    now = request.app[CLOCK]()
    if record.paused != paused:
        await request.app[REGISTRY].connectors.put(
            record.name, record.model_copy(update={"paused": paused, "updated_at": now})
        )
    return json_response(Accepted(connector=record.name, action="pause" if paused else "resume", requested_at=now), 202)


@routes.route(
    "PUT",
    "/connectors/{name}/pause",
    summary="Pause: no runs until resumed (a running one stops)",
    tag="connectors",
    responses={202: Accepted},
)
async def pause_connector(request: web.Request) -> web.StreamResponse:
    """Pause the connector."""
    return await _set_paused(request, True)


@routes.route(
    "PUT", "/connectors/{name}/resume", summary="Resume a paused connector", tag="connectors", responses={202: Accepted}
)
async def resume_connector(request: web.Request) -> web.StreamResponse:
    """Resume the connector."""
    return await _set_paused(request, False)


async def _command(request: web.Request, action: str) -> tuple[ConnectorRecord, datetime]:
    record = _visible(request, request.match_info["name"])
    if record.paused:
        raise ApiError(409, "paused", f"connector {record.name!r} is paused; resume it first")
    registry = request.app[REGISTRY]
    now = request.app[CLOCK]()
    previous = registry.commands.get(record.name) or CommandRecord(connector=record.name)
    await registry.commands.put(record.name, previous.model_copy(update={f"{action}_requested_at": now}))
    log.info("api.connector_command", connector=record.name, action=action)
    return record, now


@routes.route(
    "POST",
    "/connectors/{name}/restart",
    summary="Restart now: stop a running sync, reset backoff, run",
    tag="connectors",
    responses={202: Accepted},
)
async def restart_connector(request: web.Request) -> web.StreamResponse:
    """Ask the connector's worker to restart it."""
    record, now = await _command(request, "restart")
    return json_response(Accepted(connector=record.name, action="restart", requested_at=now), 202)


@routes.route(
    "POST",
    "/connectors/{name}/sync",
    summary="Run a sync now (unless one is running)",
    tag="connectors",
    responses={202: Accepted},
)
async def sync_connector(request: web.Request) -> web.StreamResponse:
    """Ask the connector's worker to run it now."""
    record, now = await _command(request, "sync")
    return json_response(Accepted(connector=record.name, action="sync", requested_at=now), 202)


@routes.route(
    "GET",
    "/connectors/{name}/cursor",
    summary="Where the next sync resumes",
    tag="connectors",
    responses={200: CursorView},
)
async def get_cursor(request: web.Request) -> web.StreamResponse:
    """The stored cursor (null: the next sync starts from scratch)."""
    record = _visible(request, request.match_info["name"])
    cursor = request.app[REGISTRY].cursors.get(record.name)
    return json_response(
        CursorView(
            connector=record.name,
            cursor=cursor.cursor if cursor else None,
            updated_at=cursor.updated_at if cursor else None,
            batches=cursor.batches if cursor else 0,
            records=cursor.records if cursor else 0,
        )
    )


@routes.route(
    "DELETE",
    "/connectors/{name}/cursor",
    summary="Reset the cursor: the next sync starts from scratch",
    tag="connectors",
    responses={204: None},
)
async def reset_cursor(request: web.Request) -> web.StreamResponse:
    """Delete the cursor; refused while a sync runs, since that sync would write its own cursor after."""
    record = _visible(request, request.match_info["name"])
    if _status(request, record).state == "running":
        raise ApiError(409, "running", f"connector {record.name!r} is running; pause it before resetting its cursor")
    await request.app[REGISTRY].cursors.put(record.name, None)
    log.info("api.cursor_reset", connector=record.name)
    return web.Response(status=204)


@routes.route(
    "GET",
    "/connector-types",
    summary="Installed connector types and their config schemas",
    tag="connector-types",
    responses={200: ConnectorTypeList},
)
async def list_types(request: web.Request) -> web.StreamResponse:
    """Every installed type with the JSON Schema of its configuration."""
    types = request.app[CONNECTOR_TYPES]
    return json_response(
        ConnectorTypeList(
            types=[
                ConnectorTypeView(
                    name=name,
                    platform=getattr(cls, "platform", name),
                    sync_mode=cls.sync_mode,
                    description=(cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else "",
                    config_schema=cls.config_model.model_json_schema(),
                    secret_fields=secret_fields(cls.config_model),
                )
                for name, cls in sorted(types.items())
            ]
        )
    )


@routes.route(
    "PUT",
    "/connector-types/{type}/config/validate",
    summary="Validate a config; one entry per bad field",
    tag="connector-types",
    body=ConfigPayload,
    responses={200: ValidationReport},
    query=[
        QueryParam(
            "resolve_check",
            {"type": "boolean"},
            "false: accept a URL whose host does not resolve yet (one that resolves is still checked).",
        )
    ],
)
async def validate_config(request: web.Request) -> web.StreamResponse:
    """Check a configuration against its type's schema and the outbound rules, without storing it."""
    principal = _caller(request)
    type_name = request.match_info["type"]
    if not (principal.admin or type_name in principal.platforms or principal.connectors):
        raise ApiError(403, "forbidden", f"this token may not configure connectors of type {type_name!r}")
    connector = _connector_type(request, type_name)
    payload = await parse_body(request, ConfigPayload)
    problems = await _problems(request, connector, payload.root)
    fields = [p.model_copy(update={"field": p.field.removeprefix("config.")}) for p in problems]
    return json_response(ValidationReport(type=type_name, valid=not fields, error_count=len(fields), fields=fields))
