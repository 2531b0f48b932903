"""The SPARQL page: a form with example queries, results as a table, and CSV/JSON downloads of the same query.

It runs queries on the API's own `SparqlEngine` (the ``/sparql`` endpoint's), under the same scope: an analyst
or admin session. A browser asking for ``/sparql`` with no query gets this page; a SPARQL client gets the
endpoint as before.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web

from hub.api.problems import ApiError
from hub.dump.http import SPARQL
from hub.errors import QueryRefusedError
from hub.web.render import page
from hub.web.security import web_principal

__all__ = ["EXAMPLES", "browser_wants_page", "routes", "sparql_page"]

routes = web.RouteTableDef()

EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Projects per platform",
        "PREFIX hub: <https://w3id.org/citsci-hub/ns#>\nPREFIX ppsr: <https://w3id.org/citsci-hub/ppsr#>\n"
        "SELECT ?platform (COUNT(DISTINCT ?project) AS ?projects) WHERE {\n"
        "  ?project a ppsr:Project ; hub:hostedOn ?platform .\n} GROUP BY ?platform ORDER BY DESC(?projects)",
    ),
    (
        "Projects by country and science type",
        "PREFIX ppsr: <https://w3id.org/citsci-hub/ppsr#>\n"
        "SELECT ?country ?scienceType (COUNT(DISTINCT ?project) AS ?projects) WHERE {\n"
        "  ?project a ppsr:Project ; ppsr:projectCountry ?country ; ppsr:projectScienceType ?scienceType .\n"
        "} GROUP BY ?country ?scienceType ORDER BY DESC(?projects) LIMIT 50",
    ),
    (
        "Cross-platform links",
        "PREFIX hub: <https://w3id.org/citsci-hub/ns#>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "SELECT ?a ?b ?score WHERE {\n  ?link a hub:Link ; rdf:subject ?a ; rdf:object ?b ; hub:score ?score .\n"
        "} ORDER BY DESC(?score) LIMIT 50",
    ),
)


def browser_wants_page(request: web.Request) -> bool:
    """A browser's plain ``GET /sparql`` (no token, HTML preferred): the page rather than the endpoint."""
    accept = request.headers.get("Accept", "")
    return (
        request.method == "GET"
        and request.path == "/sparql"
        and "Authorization" not in request.headers
        and "text/html" in accept
        and "format" not in request.query
    )


def _cell(term: dict[str, Any] | None) -> str:
    return "" if term is None else str(term.get("value", ""))


async def sparql_page(request: web.Request) -> web.Response:
    """The form, and the results of ``?query=`` as a table."""
    principal = web_principal(request)
    allowed = principal is not None and (principal.admin or principal.analyst)
    query = request.query.get("query", "")
    data: dict[str, Any] = {"query": query, "examples": [{"title": t, "query": q} for t, q in EXAMPLES]}
    extra: dict[str, Any] = {"allowed": allowed, "signed_in": principal is not None}
    if query and allowed:
        try:
            answer = await request.app[SPARQL].run(query, format_param="json")
            results = orjson.loads(answer.body)
            columns = results.get("head", {}).get("vars", [])
            bindings = results.get("results", {}).get("bindings", [])
            data["columns"] = columns
            data["rows"] = [[_cell(b.get(c)) for c in columns] for b in bindings]
            if "boolean" in results:
                data["boolean"] = results["boolean"]
            extra["downloads"] = {
                fmt: f"/sparql/results.{fmt}?" + urlencode({"query": query}) for fmt in ("csv", "json")
            }
        except QueryRefusedError as exc:
            data["error"] = str(exc)
        except orjson.JSONDecodeError:
            data["error"] = "this query's results are a graph: download them from the endpoint with format=turtle"
    return page(request, "sparql.html", data, status=200 if allowed or not query else 403, **extra)


@routes.get("/sparql/results.{fmt:csv|json}")
async def download(request: web.Request) -> web.Response:
    """The page's query results as a CSV or JSON file, for a signed-in analyst."""
    principal = web_principal(request)
    if principal is None or not (principal.admin or principal.analyst):
        raise ApiError(403, "forbidden", "SPARQL results need an analyst or admin sign-in")
    fmt = request.match_info["fmt"]
    try:
        answer = await request.app[SPARQL].run(request.query.get("query", ""), format_param=fmt)
    except QueryRefusedError as exc:
        raise ApiError(400, f"query_{exc.reason}", str(exc)) from exc
    return web.Response(
        body=answer.body,
        content_type=answer.media_type,
        headers={"Content-Disposition": f'attachment; filename="citsci-hub-results.{fmt}"'},
    )
