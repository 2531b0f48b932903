"""The dump, SPARQL and link routes of hub.dump.http, mounted in the API under its tokens and scopes."""

from __future__ import annotations

from pathlib import Path

from hub.config import DumpSettings
from hub.dump import http as dump_http
from hub.dump.store import HubStore
from tests.api.conftest import MakeApi, api_settings

ASK = "ASK { ?s ?p ?o }"


async def test_scopes_guard_the_mounted_routes(make_api: MakeApi, tmp_path: Path) -> None:
    """Analysts query SPARQL and list dumps; partners cannot; links need an operator; no token is 401."""
    settings = api_settings().model_copy(update={"dump": DumpSettings(output_dir=tmp_path)})
    api = await make_api(
        settings,
        extra_routes=dump_http.routes,
        extra_setup=lambda app: dump_http.setup(app, settings, store=HubStore(None)),
    )
    analyst = api.issue("analyst")
    response = await api.client.get(
        "/sparql", params={"query": ASK}, headers={**analyst, "Accept": "application/sparql-results+json"}
    )
    assert response.status == 200
    assert (await response.json())["boolean"] is False
    assert (await api.client.get("/dump", headers=analyst)).status == 200
    assert (await api.client.get("/sparql", params={"query": ASK})).status == 401
    partner = api.issue("partner:ecsa")
    response = await api.client.get("/sparql", params={"query": ASK}, headers=partner)
    assert response.status == 403
    assert "analyst" in (await response.json())["detail"]
    assert (await api.client.post("/links/abc/confirm", headers=analyst)).status == 403
    operator = api.issue("operator:platform:fake")
    response = await api.client.post("/links/abc/confirm", headers=operator)
    assert response.status not in {401, 403}


async def test_the_document_and_the_docs_page_describe_the_mounted_routes(make_api: MakeApi, tmp_path: Path) -> None:
    """/openapi.json has every route the app serves, /sparql, /dump and /links too; /docs shows them to anyone."""
    settings = api_settings().model_copy(update={"dump": DumpSettings(output_dir=tmp_path)})
    api = await make_api(
        settings,
        extra_routes=dump_http.routes,
        extra_setup=lambda app: dump_http.setup(app, settings, store=HubStore(None)),
    )
    document = await (await api.client.get("/openapi.json", headers=api.admin)).json()
    described = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    served = {
        (route.method, route.resource.canonical)
        for route in api.client.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    assert {("GET", "/sparql"), ("POST", "/sparql"), ("POST", "/links/{link_id}/reject")} <= served
    assert described == served
    sparql = document["paths"]["/sparql"]["get"]
    assert "SPARQL" in sparql["summary"]
    assert {p["name"] for p in sparql["parameters"]} >= {"query", "format"}
    assert "application/sparql-results+json" in sparql["responses"]["200"]["content"]
    dump_file = document["paths"]["/dump/{dump_id}/{name}"]["get"]
    assert [p["name"] for p in dump_file["parameters"]] == ["dump_id", "name"]
    response = await api.client.get("/docs")  # no token: a browser opens it
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    for path in ("/sparql", "/dump/{dump_id}/{name}", "/links/{link_id}/confirm", "/connectors/{name}/sync"):
        assert f"<code>{path}</code>" in page, path
    assert "SPARQL 1.1 Protocol" in page
    assert "<td><code>query</code></td>" in page  # parameters are listed
    assert "<td><code>config</code> *</td>" in page  # and request-body fields
    # Rendered here: no script, and nothing loaded from elsewhere.
    assert "<script" not in page
    assert "src=" not in page
    assert "<link" not in page
    assert "@import" not in page
