"""HTTP handlers for analysts and operators: the SPARQL 1.1 Protocol endpoint, the dump files, link decisions.

The API mounts `routes` and calls `setup` once; it enforces scopes (analyst for ``/sparql`` and ``/dump``,
operator or admin for ``/links``). Errors have the API's one body shape ``{"error", "detail", "fields"}``.

- ``GET /sparql?query=...`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with ``query=``, or
  ``application/sparql-query``), with optional ``default-graph-uri``/``named-graph-uri``; results by Accept
  header or ``format=json|csv|tsv|turtle|ntriples``.
- ``GET /dump`` (the dumps, newest first), ``POST /dump`` (write a new one now), ``GET /dump/{id}/{file}``
  (``latest`` is the newest dump), e.g. ``/dump/latest/manifest.json``.
- ``POST /links/{id}/confirm`` and ``POST /links/{id}/reject``: an operator's decision on a proposed link.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from hub.config import HubSettings
from hub.dump.files import JSONLD_FILE, MANIFEST_FILE, NQUADS_FILE, list_dumps, write_dump
from hub.dump.materialiser import open_store
from hub.dump.sparql import SparqlEngine
from hub.dump.store import HubStore
from hub.errors import DumpError, QueryRefusedError

__all__ = ["DUMP_DIR", "LINK_DECIDER", "SPARQL", "STORE", "LinkDecider", "dump_dir", "routes", "setup"]

#: Decide on a link: ``(link id, "confirmed" | "rejected", note)`` -> the decision record as JSON.
LinkDecider = Callable[[str, str, str | None], Awaitable[dict[str, Any]]]

STORE = web.AppKey[HubStore]("dump_store")
SPARQL = web.AppKey[SparqlEngine]("dump_sparql")
DUMP_DIR = web.AppKey[Path]("dump_dir")
LINK_DECIDER = web.AppKey[LinkDecider]("dump_link_decider")
_WRITING = web.AppKey[asyncio.Lock]("dump_writing")

routes = web.RouteTableDef()

_FILES = {NQUADS_FILE: "application/gzip", JSONLD_FILE: "application/gzip", MANIFEST_FILE: "application/json"}
_STATUS = {
    "syntax": 400,
    "update": 400,
    "service": 400,
    "too_many_results": 413,
    "timeout": 503,
    "format": 406,
    "store": 500,
}


def dump_dir(settings: HubSettings) -> Path:
    """Where dumps are written: ``HUB_DUMP__OUTPUT_DIR``, by default ``<state_dir>/dump/files``."""
    return settings.dump.output_dir or settings.state_dir / "dump" / "files"


def setup(
    app: web.Application,
    settings: HubSettings,
    *,
    store: HubStore | None = None,
    link_decider: LinkDecider | None = None,
) -> None:
    """Put the store, the SPARQL engine, the dump directory and the link decider on ``app``.

    Args:
        app: the application that mounts `routes`.
        settings: the hub settings (dump section).
        store: the store to serve; by default the process's `open_store`, shared with the materialiser.
        link_decider: records operators' link decisions (`hub.dump.links.LinkDecisions.decide`); without
            one the ``/links`` routes answer 503.
    """
    store = store or open_store(settings)
    app[STORE] = store
    app[SPARQL] = SparqlEngine(
        store, timeout_s=settings.dump.sparql_timeout_s, result_limit=settings.dump.sparql_result_limit
    )
    app[DUMP_DIR] = dump_dir(settings)
    app[_WRITING] = asyncio.Lock()
    if link_decider is not None:
        app[LINK_DECIDER] = link_decider


def _error(status: int, error: str, detail: str) -> web.Response:
    return web.json_response({"error": error, "detail": detail, "fields": []}, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


async def _query_parameters(request: web.Request) -> tuple[str | None, list[str], list[str]]:
    """The query text and dataset IRIs of a SPARQL Protocol request (GET, form POST or direct POST)."""
    params = request.query
    default_graphs = params.getall("default-graph-uri", [])
    named_graphs = params.getall("named-graph-uri", [])
    if request.method == "GET":
        if "update" in params:
            raise QueryRefusedError("SPARQL Update is not allowed on this endpoint", reason="update")
        return params.get("query"), default_graphs, named_graphs
    content_type = request.content_type
    if content_type == "application/sparql-update":
        raise QueryRefusedError("SPARQL Update is not allowed on this endpoint", reason="update")
    if content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        if "update" in form:
            raise QueryRefusedError("SPARQL Update is not allowed on this endpoint", reason="update")
        query = form.get("query")
        default_graphs += [str(v) for v in form.getall("default-graph-uri", [])]
        named_graphs += [str(v) for v in form.getall("named-graph-uri", [])]
        return (str(query) if query is not None else None), default_graphs, named_graphs
    if content_type == "application/sparql-query":
        return await request.text(), default_graphs, named_graphs
    raise QueryRefusedError(
        f"unsupported Content-Type {content_type!r}: send application/sparql-query or a form with query=",
        reason="media_type",
    )


@routes.get("/sparql")
@routes.post("/sparql")
async def sparql(request: web.Request) -> web.Response:
    """Answer one SPARQL query per the SPARQL 1.1 Protocol."""
    try:
        query, default_graphs, named_graphs = await _query_parameters(request)
        if not query:
            return _error(400, "missing_query", "send the SPARQL query in the 'query' parameter or as the body")
        answer = await request.app[SPARQL].run(
            query,
            accept=request.headers.get("Accept"),
            format_param=request.query.get("format"),
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )
    except QueryRefusedError as exc:
        if exc.reason == "media_type":
            return _error(415, "unsupported_media_type", str(exc))
        return _error(_STATUS.get(exc.reason, 400), f"query_{exc.reason}", str(exc))
    return web.Response(body=answer.body, content_type=answer.media_type, charset="utf-8")


@routes.get("/dump")
async def dumps(request: web.Request) -> web.Response:
    """The finished dumps, newest first, with their manifests."""
    found = list_dumps(request.app[DUMP_DIR])
    return web.json_response({"dumps": [d.manifest for d in found]}, dumps=_dumps)


@routes.post("/dump")
async def make_dump(request: web.Request) -> web.Response:
    """Write a new dump of the store now; answers its manifest once the files are complete."""
    lock = request.app[_WRITING]
    if lock.locked():
        return _error(409, "dump_in_progress", "a dump is being written; fetch /dump/latest/manifest.json later")
    async with lock:
        try:
            summary = await asyncio.to_thread(write_dump, request.app[STORE], request.app[DUMP_DIR])
        except DumpError as exc:
            return _error(409, "dump_failed", str(exc))
    return web.json_response(summary.manifest, status=201, dumps=_dumps)


@routes.get("/dump/{dump_id}/{name}")
async def dump_file(request: web.Request) -> web.StreamResponse:
    """One file of a dump (``latest`` names the newest dump)."""
    dump_id, name = request.match_info["dump_id"], request.match_info["name"]
    if name not in _FILES:
        return _error(404, "not_found", f"a dump has no file {name!r}; files: {sorted(_FILES)}")
    found = list_dumps(request.app[DUMP_DIR])
    chosen = found[0] if dump_id == "latest" and found else next((d for d in found if d.dump_id == dump_id), None)
    if chosen is None:
        return _error(404, "not_found", f"no dump {dump_id!r}; POST /dump to write one" if found else "no dump yet")
    headers = {"Content-Type": _FILES[name]}
    if name != MANIFEST_FILE:
        # A gzip file as stored, not a gzip Content-Encoding: clients must not unpack it on the way, so the bytes
        # saved match the manifest's sha256 (the manifest says what is inside).
        headers["Content-Disposition"] = f'attachment; filename="citsci-hub-{chosen.dump_id}-{name}"'
    return web.FileResponse(chosen.directory / name, headers=headers)


async def _decide(request: web.Request, decision: str) -> web.Response:
    decider = request.app.get(LINK_DECIDER)
    if decider is None:
        return _error(503, "links_unavailable", "link decisions need a Kafka connection; the hub has none here")
    note: str | None = None
    if request.can_read_body:
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError as exc:
            return _error(400, "invalid_body", f"the body is not JSON: {exc}")
        if not isinstance(body, dict) or not isinstance(body.get("note", ""), str):
            return _error(400, "invalid_body", 'send {"note": "why"} or no body')
        note = body.get("note")
    try:
        record = await decider(request.match_info["link_id"], decision, note)
    except DumpError as exc:
        return _error(404, "not_found", str(exc))
    return web.json_response(record, dumps=_dumps)


@routes.post("/links/{link_id}/confirm")
async def confirm_link(request: web.Request) -> web.Response:
    """Confirm a proposed link: it stays published, marked as confirmed."""
    return await _decide(request, "confirmed")


@routes.post("/links/{link_id}/reject")
async def reject_link(request: web.Request) -> web.Response:
    """Reject a proposed link: it is withdrawn and never proposed again."""
    return await _decide(request, "rejected")
