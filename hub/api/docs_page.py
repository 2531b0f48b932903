"""``/docs``: the OpenAPI document made complete and rendered as one readable HTML page, on the server.

The page needs no token and fetches nothing (no script, no font, no style sheet from elsewhere), so it opens in a
browser on a machine without network. `complete` adds to the document every route the app serves that the route
table did not declare (the dump, SPARQL and link routes of :mod:`hub.dump.http`, pages mounted by others), so the
document and the page describe every route.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from aiohttp import web

__all__ = ["complete", "render"]

_METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH"}


def _path_params(path: str) -> list[dict[str, Any]]:
    names = re.findall(r"{([^}:]+)(?::[^}]*)?}", path)
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names]


def complete(
    document: Mapping[str, Any],
    routes: Iterable[web.AbstractRoute],
    described: Mapping[tuple[str, str], dict[str, Any]],
    public: Collection[str],
) -> dict[str, Any]:
    """``document`` with an operation for every route of ``routes`` it lacks.

    Args:
        document: the OpenAPI document of the declared routes.
        routes: the app's routes, as mounted.
        described: operations written out for mounted routes, by ``(method, path)`` (lower-case method).
        public: paths that need no token.
    """
    result = copy.deepcopy(dict(document))
    paths: dict[str, dict[str, Any]] = result.setdefault("paths", {})
    for route in routes:
        if route.method not in _METHODS or route.resource is None:
            continue
        path, method = route.resource.canonical, route.method.lower()
        if method in paths.get(path, {}):
            continue
        operation = copy.deepcopy(described.get((method, path)))
        if operation is None:
            doc = (getattr(route.handler, "__doc__", None) or "").strip()
            operation = {
                "summary": doc.splitlines()[0] if doc else f"{route.method} {path}",
                "tags": ["pages"],
                "responses": {"200": {"description": "OK"}},
            }
            if _path_params(path):
                operation["parameters"] = _path_params(path)
        operation.setdefault("operationId", f"{method}_{getattr(route.handler, '__name__', 'handler')}")
        if path in public:
            operation["security"] = []
        paths.setdefault(path, {})[method] = operation
    return result


def _resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        found = document.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1])
        return found if isinstance(found, Mapping) else schema
    return schema


def _type(document: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " | ".join(_type(document, s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(document, schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    return str(schema.get("type", "any"))


def _fields(document: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    target = _resolve(document, schema)
    properties = target.get("properties")
    if not isinstance(properties, Mapping):
        return f"<p><code>{html.escape(_type(document, schema))}</code></p>"
    required = set(target.get("required", []))
    rows = "".join(
        f"<tr><td><code>{html.escape(name)}</code>{' *' if name in required else ''}</td>"
        f"<td><code>{html.escape(_type(document, prop))}</code></td>"
        f"<td>{html.escape(str(prop.get('description', '')))}</td></tr>"
        for name, prop in properties.items()
    )
    title = html.escape(str(target.get("title", "")))
    return f"<p>{title}</p><table><tr><th>field</th><th>type</th><th>meaning</th></tr>{rows}</table>"


def _operation(document: Mapping[str, Any], path: str, method: str, op: Mapping[str, Any]) -> str:
    anchor = html.escape(op.get("operationId", f"{method}{path}"), quote=True)
    needs = "no token" if op.get("security") == [] else "bearer token"
    parts = [
        f"<section id='{anchor}'><h3><span class='m {method}'>{method.upper()}</span> <code>{html.escape(path)}</code>"
        f"</h3><p><b>{html.escape(str(op.get('summary', '')))}</b> <span class='needs'>({needs})</span></p>"
    ]
    if op.get("description"):
        parts.append(f"<p>{html.escape(str(op['description']))}</p>")
    params = op.get("parameters", [])
    if params:
        rows = "".join(
            f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p['in'])}</td>"
            f"<td><code>{html.escape(_type(document, p.get('schema', {})))}</code></td>"
            f"<td>{html.escape(str(p.get('description', '')))}</td></tr>"
            for p in params
        )
        parts.append(
            f"<h4>parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>meaning</th></tr>{rows}</table>"
        )
    body = op.get("requestBody")
    if body:
        for media_type, content in body.get("content", {}).items():
            parts.append(
                f"<h4>body <code>{html.escape(media_type)}</code></h4>{_fields(document, content.get('schema', {}))}"
            )
    answers = []
    for status, response in op.get("responses", {}).items():
        media = ", ".join(response.get("content", {}))
        answers.append(
            f"<tr><td>{html.escape(status)}</td><td>{html.escape(str(response.get('description', '')))}</td>"
            f"<td><code>{html.escape(media)}</code></td></tr>"
        )
    parts.append(
        f"<h4>responses</h4><table><tr><th>status</th><th>meaning</th><th>as</th></tr>{''.join(answers)}</table>"
    )
    success = next((r for s, r in op.get("responses", {}).items() if s.startswith("2") and r.get("content")), None)
    if success is not None:
        schema = next(iter(success["content"].values())).get("schema", {})
        if "$ref" in schema:
            parts.append(f"<details><summary>response fields</summary>{_fields(document, schema)}</details>")
    parts.append("</section>")
    return "".join(parts)


_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1d2430}
nav{width:20rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f3f5f8;padding:1rem;
box-sizing:border-box}
nav a{display:block;color:#1d2430;text-decoration:none;font-size:13px;padding:1px 0}
main{padding:1rem 2rem;max-width:60rem}
section{border-top:1px solid #dde2ea;padding:.5rem 0}
table{border-collapse:collapse;margin:.3rem 0}
td,th{border:1px solid #dde2ea;padding:2px 8px;text-align:left;vertical-align:top}
.m{font:bold 12px monospace;padding:2px 6px;border-radius:3px;color:#fff;background:#556}
.get{background:#2b6cb0}.post{background:#2f855a}.put{background:#b7791f}.delete{background:#c53030}
.needs{color:#667;font-size:13px}
"""


def render(document: Mapping[str, Any]) -> str:
    """The whole API as one HTML page: operations grouped by tag, each with parameters, body and responses."""
    info = document.get("info", {})
    by_tag: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
    for path, operations in document.get("paths", {}).items():
        for method, op in operations.items():
            by_tag.setdefault((op.get("tags") or ["other"])[0], []).append((path, method, op))
    nav, sections = [], []
    for tag, ops in by_tag.items():
        nav.append(f"<b>{html.escape(tag)}</b>")
        sections.append(f"<h2 id='tag-{html.escape(tag, quote=True)}'>{html.escape(tag)}</h2>")
        for path, method, op in ops:
            anchor = html.escape(op.get("operationId", f"{method}{path}"), quote=True)
            nav.append(f"<a href='#{anchor}'>{method.upper()} {html.escape(path)}</a>")
            sections.append(_operation(document, path, method, op))
    title = html.escape(str(info.get("title", "API")))
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta name='viewport' content='width=device-width'><style>{_STYLE}</style></head><body>"
        f"<nav><p><b>{title}</b> {html.escape(str(info.get('version', '')))}</p>{''.join(nav)}</nav><main>"
        f"<h1>{title}</h1><p>{html.escape(str(info.get('description', '')))}</p>"
        "<p>Machine-readable: <a href='openapi.json'>openapi.json</a> (OpenAPI 3.1, with a token).</p>"
        f"{''.join(sections)}</main></body></html>"
    )
