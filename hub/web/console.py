"""The operator console: connectors, run history, actions, new connectors, dead letters, link proposals.

Connectors are listed failing and stale first. Every action goes through the API (`hub.web.apiclient`) with the
signed-in person's token, so the console checks and does exactly what the API does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from hub.api.auth import Principal
from hub.api.keys import REGISTRY
from hub.api.problems import ApiError
from hub.errors import HubError
from hub.web.apiclient import api_call
from hub.web.forms import config_from_form, form_fields
from hub.web.keys import INDEX
from hub.web.operations import DEAD_LETTERS, run_history
from hub.web.render import page
from hub.web.security import SESSION_COOKIE, SESSIONS, check_csrf, web_principal

__all__ = ["routes"]

routes = web.RouteTableDef()
_FLASH = web.AppKey[dict[str, str]]("web_flash")
_RANK = {"failed": 0, "degraded": 1, "unassigned": 2, "running": 4, "idle": 5, "paused": 6}
_ACTIONS = {
    "sync": ("POST", "sync", "Sync requested: the connector's worker runs it now."),
    "restart": ("POST", "restart", "Restart requested: a running sync stops, backoff is reset, it runs again."),
    "pause": ("PUT", "pause", "Paused: no runs until it is resumed."),
    "resume": ("PUT", "resume", "Resumed: it runs on its schedule again."),
}


def _operator(request: web.Request) -> Principal:
    principal = web_principal(request)
    if principal is None:
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe=""))
    if not (principal.admin or principal.operator):
        raise ApiError(403, "forbidden", "the console needs an operator or admin token")
    return principal


def _flash(request: web.Request, message: str | None = None) -> str | None:
    """Keep ``message`` for the session's next page; without one, take the kept message."""
    flashes = request.app[_FLASH]
    sid = request.cookies.get(SESSION_COOKIE, "")
    if message is not None:
        flashes[sid] = message
        return None
    return flashes.pop(sid, None)


def setup_console(app: web.Application) -> None:
    """Put the console's per-session messages on the app."""
    app[_FLASH] = {}


def _order(connector: dict[str, Any]) -> tuple[int, str]:
    status = connector.get("status") or {}
    rank = _RANK.get(str(status.get("state")), 3)
    if status.get("stale") and rank > 1:
        rank = 1
    return rank, str(connector.get("name"))


@routes.get("/console")
@routes.get("/console.json")
async def console(request: web.Request) -> web.Response:
    """Every connector the person operates, failing and stale ones first."""
    _operator(request)
    answer = await api_call(request, "GET", "/connectors?expand=status")
    connectors = sorted(answer.body.get("connectors", []) if answer.ok else [], key=_order)
    data = {"connectors": connectors, "proposals": len(request.app[INDEX].proposals())}
    return page(request, "console.html", data, flash=_flash(request), error=None if answer.ok else answer.detail)


async def _connector(request: web.Request, name: str) -> dict[str, Any]:
    answer = await api_call(request, "GET", f"/connectors/{quote(name, safe='')}")
    if not answer.ok:
        raise ApiError(404, "not_found", answer.detail)
    body: dict[str, Any] = answer.body
    return body


@routes.get("/console/connectors/{name}")
async def connector(request: web.Request) -> web.Response:
    """One connector: state, last error, schedule, next run, run history, actions and dead letters."""
    _operator(request)
    name = request.match_info["name"].removesuffix(".json")
    view = await _connector(request, name)
    status_answer = await api_call(request, "GET", f"/connectors/{quote(name, safe='')}/status")
    status = status_answer.body if status_answer.ok else {}
    history = await run_history(request, name, status, before=request.query.get("before"))
    letters: list[dict[str, Any]] = []
    letters_error = None
    dead = request.app.get(DEAD_LETTERS)
    if dead is not None:
        try:
            letters = [
                {
                    "id": x.id,
                    "time": x.time,
                    "record": f"{x.kind} {x.native_id}",
                    "error_kind": x.error_kind,
                    "message": x.error_message[:500],
                }
                for x in await dead.list(name)
            ]
        except HubError as exc:
            letters_error = str(exc)
    data = {"connector": view, "status": status, "runs": history, "dead_letters": letters}
    return page(
        request,
        "connector.html",
        data,
        flash=_flash(request),
        letters_error=letters_error,
        dead_letters_available=dead is not None,
    )


@routes.post("/console/connectors/{name}/{action:sync|restart|pause|resume}")
async def act(request: web.Request) -> web.StreamResponse:
    """Sync now, restart, pause or resume, then back to the connector's page with what happened."""
    _operator(request)
    await check_csrf(request)
    name, action = request.match_info["name"], request.match_info["action"]
    method, route, done = _ACTIONS[action]
    answer = await api_call(request, method, f"/connectors/{quote(name, safe='')}/{route}")
    _flash(request, done if answer.ok else f"{action} refused: {answer.detail}")
    raise web.HTTPSeeOther(f"/console/connectors/{quote(name, safe='')}")


@routes.get("/console/connectors/{name}/delete")
async def confirm_delete(request: web.Request) -> web.Response:
    """Ask for confirmation before deleting."""
    _operator(request)
    view = await _connector(request, request.match_info["name"])
    return page(request, "delete.html", {"connector": view})


@routes.post("/console/connectors/{name}/delete")
async def delete(request: web.Request) -> web.StreamResponse:
    """Delete the connector (its cursor too unless kept)."""
    _operator(request)
    await check_csrf(request)
    form = await request.post()
    name = request.match_info["name"]
    keep = "true" if form.get("keep_cursor") else "false"
    answer = await api_call(request, "DELETE", f"/connectors/{quote(name, safe='')}?keep_cursor={keep}")
    _flash(request, f"Deleted connector {name}." if answer.ok else f"delete refused: {answer.detail}")
    raise web.HTTPSeeOther("/console" if answer.ok else f"/console/connectors/{quote(name, safe='')}")


@routes.post("/console/connectors/{name}/dead-letters/replay")
async def replay(request: web.Request) -> web.StreamResponse:
    """Replay the connector's dead letters (the ticked ones, or all) through its current mapping."""
    principal = _operator(request)
    await check_csrf(request)
    name = request.match_info["name"]
    record = request.app[REGISTRY].connectors.get(name)
    dead = request.app.get(DEAD_LETTERS)
    if record is None or not principal.can_operate(record.name, record.type) or dead is None:
        raise ApiError(404, "not_found", f"no connector {name!r} with dead letters here")
    form = await request.post()
    try:
        count, summary = await dead.replay(record, [str(v) for v in form.getall("id", [])])
        _flash(
            request,
            f"Replayed {count} dead letters: published {summary.published}, unchanged "
            f"{summary.unchanged}, failed again {summary.dead_lettered}.",
        )
    except HubError as exc:
        _flash(request, f"replay failed: {exc}")
    raise web.HTTPSeeOther(f"/console/connectors/{quote(name, safe='')}")


async def _types(request: web.Request) -> dict[str, dict[str, Any]]:
    answer = await api_call(request, "GET", "/connector-types")
    return {t["name"]: t for t in answer.body.get("types", [])} if answer.ok else {}


@routes.get("/console/new")
async def choose_type(request: web.Request) -> web.Response:
    """Pick the type of the new connector."""
    _operator(request)
    types = await _types(request)
    return page(
        request, "choose_type.html", {"types": [{"name": n, "platform": t["platform"]} for n, t in types.items()]}
    )


def _new_context(kind: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"type": kind["name"], "fields": form_fields(kind["config_schema"]), "values": values, "errors": errors}


@routes.get("/console/new/{type}")
async def new_form(request: web.Request) -> web.Response:
    """The new connector's form, built from its type's config schema."""
    _operator(request)
    kind = (await _types(request)).get(request.match_info["type"])
    if kind is None:
        return page(
            request, "not_found.html", {"detail": f"no connector type {request.match_info['type']!r}"}, status=404
        )
    return page(request, "new_connector.html", _new_context(kind, {}, {}))


@routes.post("/console/new/{type}")
async def create(request: web.Request) -> web.StreamResponse:
    """Validate (``validate_only``: the live check) or create the connector; on errors, the form again with them."""
    _operator(request)
    await check_csrf(request)
    kind = (await _types(request)).get(request.match_info["type"])
    if kind is None:
        raise ApiError(404, "not_found", "unknown connector type")
    form = {k: str(v) for k, v in (await request.post()).items()}
    fields = form_fields(kind["config_schema"])
    config, unreadable = config_from_form(fields, form)
    type_path = f"/connector-types/{quote(kind['name'], safe='')}/config/validate"
    if form.get("validate_only"):
        answer = await api_call(request, "PUT", type_path, config)
        report = answer.body if answer.ok else {"fields": []}
        report["fields"] = [*report.get("fields", []), *({"field": k, "message": v} for k, v in unreadable.items())]
        return web.json_response(report)
    errors = dict(unreadable)
    if not errors:
        body: dict[str, Any] = {"name": form.get("name", ""), "type": kind["name"], "config": config}
        if form.get("schedule_interval_s"):
            try:
                body["schedule_interval_s"] = float(form["schedule_interval_s"])
            except ValueError:
                errors["schedule_interval_s"] = "expected a number of seconds"
        if form.get("cron"):
            body["cron"] = form["cron"]
        if not errors:
            answer = await api_call(request, "POST", "/connectors", body)
            if answer.ok:
                _flash(request, f"Created connector {body['name']}.")
                raise web.HTTPSeeOther(f"/console/connectors/{quote(str(body['name']), safe='')}")
            for problem in answer.body.get("fields", []) if isinstance(answer.body, dict) else []:
                errors[str(problem["field"]).removeprefix("config.")] = problem["message"]
            errors.setdefault("_form", answer.detail)
    context = _new_context(kind, form, errors)
    return page(request, "new_connector.html", context, status=422)


@routes.get("/console/links")
@routes.get("/console/links.json")
async def links(request: web.Request) -> web.Response:
    """Cross-platform link proposals waiting for an operator, best first."""
    _operator(request)
    proposals = [
        {
            "id": p["iri"].rsplit("/", 1)[-1],
            "subject": p["subject"],
            "subject_name": p["subject_name"],
            "object": p["object"],
            "object_name": p["object_name"],
            "score": p["score"],
            "evidence": p["body"].get("evidence", []),
        }
        for p in request.app[INDEX].proposals()
    ]
    return page(request, "links.html", {"proposals": proposals}, flash=_flash(request))


@routes.post("/console/links/{link_id}/{decision:confirm|reject}")
async def decide(request: web.Request) -> web.StreamResponse:
    """Confirm or reject a proposal through ``POST /links/{id}/confirm|reject``."""
    _operator(request)
    await check_csrf(request)
    link_id, decision = request.match_info["link_id"], request.match_info["decision"]
    note = str((await request.post()).get("note", "")) or None
    answer = await api_call(
        request, "POST", f"/links/{quote(link_id, safe='')}/{decision}", {"note": note} if note else None
    )
    verb = "Confirmed" if decision == "confirm" else "Rejected"
    _flash(request, f"{verb} link {link_id}." if answer.ok else f"{decision} refused: {answer.detail}")
    raise web.HTTPSeeOther("/console/links")


def sessions_of(app: web.Application) -> Any:
    """The app's sessions (for tests)."""
    return app[SESSIONS]
