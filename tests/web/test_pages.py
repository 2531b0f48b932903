"""The public pages and their JSON twins, headers, escaping, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.web.conftest import ADMIN_TOKEN, csrf_of, sign_in

HTML = {"Accept": "text/html"}


async def test_directory_lists_searches_and_facets(portal: TestClient[Any, Any]) -> None:
    page = await (await portal.get("/", headers=HTML)).text()
    assert "Penguin Watch" in page
    assert "3</span> projects" in page
    data = await (await portal.get("/projects.json?q=penguin&platform=scistarter")).json()
    assert data["total"] == 1
    assert data["projects"][0]["iri"].endswith("/scistarter/abc")
    assert {f["value"]: f["count"] for f in data["facets"]["country"]} == {"United Kingdom": 1}
    both = await (await portal.get("/projects?format=json&status=Active&country=Antarctica")).json()
    assert [p["platform"] for p in both["projects"]] == ["zooniverse"]


async def test_hostile_input_is_text(portal: TestClient[Any, Any]) -> None:
    response = await portal.get(
        "/projects", params={"q": '"><script>x</script> OR 1=1; DROP TABLE projects', "country": "<b>"}
    )
    html = await response.text()
    assert response.status == 200
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "0</span> projects" in html
    listing = await (await portal.get("/projects", params={"q": "bird"})).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bird Count" in listing
    unknown = await (await portal.get("/projects.json", params={"language": "xx"})).json()
    assert unknown["total"] == 0
    again = await (await portal.get("/projects.json")).json()
    assert again["total"] == 3  # nothing was dropped


async def test_security_headers_everywhere(portal: TestClient[Any, Any]) -> None:
    for path in ("/", "/projects/zooniverse/1", "/healthz", "/connectors", "/nope"):
        response = await portal.get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


async def test_project_page_merges_listings(portal: TestClient[Any, Any]) -> None:
    response = await portal.get("/projects/zooniverse/1")
    html = await response.text()
    assert response.status == 200
    assert html.count('class="listing"') == 2
    assert "https://scistarter.org/penguin-watch" in html
    assert "https://www.zooniverse.org/projects/penguinwatch" in html
    assert "differs" in html  # the aims differ between the platforms
    assert "1234" in html  # statistics
    assert "$.projectDuration: &#39;Unknown&#39; omitted" in html  # the listing's data-quality flag
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None
    jsonld = json.loads(script.group(1))
    assert jsonld["@type"] == "ResearchProject"
    assert len(jsonld["sameAs"]) == 2
    data = await (await portal.get("/projects/zooniverse/1.json")).json()
    assert {listing["platform"] for listing in data["listings"]} == {"zooniverse", "scistarter"}
    assert data["links"][0]["status"] == "proposed"


async def test_missing_project_is_a_404_page(portal: TestClient[Any, Any]) -> None:
    response = await portal.get("/projects/zooniverse/nope", headers=HTML)
    assert response.status == 404
    assert "<h1>Not found</h1>" in await response.text()


async def test_platforms_organisations_about(portal: TestClient[Any, Any]) -> None:
    platforms = await (await portal.get("/platforms.json")).json()
    assert {p["platform"]: p["projects"] for p in platforms["platforms"]} == {"scistarter": 2, "zooniverse": 1}
    assert (await portal.get("/organisations")).status == 200
    about = await (await portal.get("/about.json")).json()
    assert about["projects"] == 3
    assert about["manifest"] is None


async def test_map_pins_follow_the_filters(portal: TestClient[Any, Any]) -> None:
    pins = (await (await portal.get("/map.json?q=penguin")).json())["pins"]
    assert [(p["lat"], p["lon"]) for p in pins] == [(-64.8, -62.9)]
    assert (await (await portal.get("/map.json?platform=scistarter")).json())["pins"] == []


async def test_login_needs_csrf_and_a_valid_token(portal: TestClient[Any, Any]) -> None:
    refused = await portal.post("/login", data={"token": ADMIN_TOKEN})
    assert refused.status == 403
    form = await (await portal.get("/login")).text()
    wrong = await portal.post("/login", data={"csrf": csrf_of(form), "token": "nope"})
    assert wrong.status == 401
    cookie = await sign_in(portal)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    console = await portal.get("/console")
    assert console.status == 200
    assert "Operator console" in await console.text()


async def test_console_needs_sign_in(portal: TestClient[Any, Any]) -> None:
    response = await portal.get("/console", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login")


async def test_sparql_page_for_browsers_endpoint_for_clients(portal: TestClient[Any, Any]) -> None:
    page = await portal.get("/sparql", headers=HTML)
    assert page.status == 200
    assert "Sign in" in await page.text()
    endpoint = await portal.get("/sparql", params={"query": "ASK {}"})
    assert endpoint.status == 401
    await sign_in(portal)
    result = await portal.get("/sparql", params={"query": "SELECT (1 AS ?one) WHERE {}"}, headers=HTML)
    html = await result.text()
    assert "<td>1</td>" in html
    assert "/sparql/results.csv?" in html
    csv = await portal.get("/sparql/results.csv", params={"query": "SELECT (1 AS ?one) WHERE {}"})
    assert (await csv.text()).splitlines() == ["one", "1"]


async def test_sort_and_paging(aiohttp_client: Any) -> None:
    from tests.web.conftest import build_app, project, sample_index

    index = sample_index()
    index.apply(
        [
            project("zooniverse", str(n), f"Project {n:02d}", projectLastUpdatedDate=f"2025-01-{n:02d}")
            for n in range(2, 26)
        ]
    )
    client = await aiohttp_client(build_app(index))
    first = await (await client.get("/projects.json?sort=name")).json()
    names = [p["name"] for p in first["projects"]]
    assert names == sorted(names, key=str.casefold)
    assert first["total"] == 27
    assert first["pages"] == 2
    second = await (await client.get("/projects.json?sort=name&page=2")).json()
    assert len(second["projects"]) == 7
    assert not {p["iri"] for p in second["projects"]} & {p["iri"] for p in first["projects"]}
    newest = await (await client.get("/projects.json?sort=updated")).json()
    assert newest["projects"][0]["name"] == "Project 25"
    html = await (await client.get("/projects?sort=name")).text()
    assert 'rel="next" href="/projects?sort=name&amp;page=2"' in html
    assert (await client.get("/projects.json?sort=nonsense&page=x")).status == 200


async def test_about_shows_the_latest_dump_and_its_citation(aiohttp_client: Any, tmp_path: Path) -> None:
    from hub.dump.files import write_dump
    from hub.dump.store import HubStore
    from tests.web.conftest import build_app, sample_index

    summary = write_dump(HubStore(None), tmp_path / "state" / "dump" / "files")
    client = await aiohttp_client(build_app(sample_index(), tmp_path / "state"))
    about = await (await client.get("/about.json")).json()
    assert about["manifest"]["dumpId"] == summary.dump_id
    assert about["citation"].startswith("CitSci Hub contributors")
    html = await (await client.get("/about")).text()
    assert "How to cite" in html
    assert 'href="/dump/latest/hub.nq.gz"' in html


async def test_portal_errors_are_pages_for_people_and_json_for_programs(portal: TestClient[Any, Any]) -> None:
    await sign_in(portal)
    page = await portal.get("/console/connectors/nope", headers=HTML)
    assert page.status == 404
    assert "<h1>Not found</h1>" in await page.text()
    stale = await portal.post("/console/connectors/nope/pause", data={"csrf": "stale"}, headers=HTML)
    assert stale.status == 403
    assert "CSRF" in await stale.text()
    program = await portal.get("/console/connectors/nope")
    assert program.content_type == "application/json"
    api = await portal.get("/connectors/nope", headers=HTML)
    assert api.content_type == "application/json"  # the API's own routes keep their JSON errors
