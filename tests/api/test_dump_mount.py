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
