"""The operator console through its forms: create from the schema, actions with feedback, delete, links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from hub.api.auth import TokenRecord, hash_token, new_token
from hub.api.keys import REGISTRY
from tests.web.conftest import csrf_of, sign_in

URL = "https://api.public.example/"


def _registry(client: TestClient[Any, Any]) -> Any:
    app = client.app
    assert app is not None
    return app[REGISTRY]


async def _csrf(client: TestClient[Any, Any], path: str) -> str:
    return csrf_of(await (await client.get(path)).text())


async def test_create_form_is_built_from_the_schema_and_validates(portal: TestClient[Any, Any]) -> None:
    await sign_in(portal)
    form = await (await portal.get("/console/new/fake")).text()
    assert 'name="token"' in form
    assert 'type="password"' in form
    assert 'name="project_filter"' in form
    assert '<label for="f-token">' in form
    csrf = csrf_of(form)
    live = await (await portal.post("/console/new/fake", data={"csrf": csrf, "validate_only": "1"})).json()
    assert [f["field"] for f in live["fields"]] == ["base_url", "token"]
    bad = await portal.post(
        "/console/new/fake", data={"csrf": csrf, "name": "bad name!", "token": "t", "base_url": URL}
    )
    assert bad.status == 422
    assert "field-error" in await bad.text()
    created = await portal.post(
        "/console/new/fake",
        data={"csrf": csrf, "name": "fake-one", "token": "t0k", "schedule_interval_s": "600", "base_url": URL},
        allow_redirects=False,
    )
    assert created.status == 303
    assert created.headers["Location"] == "/console/connectors/fake-one"
    assert "HttpOnly" in created.headers.get("Set-Cookie", "HttpOnly")
    record = _registry(portal).connectors.get("fake-one")
    assert record is not None
    assert record.schedule_interval_s == 600
    page = await (await portal.get("/console/connectors/fake-one")).text()
    assert "Created connector fake-one." in page
    assert "t0k" not in page


async def test_actions_give_feedback_and_reach_the_registry(portal: TestClient[Any, Any]) -> None:
    await sign_in(portal)
    csrf = await _csrf(portal, "/console/new/fake")
    await portal.post("/console/new/fake", data={"csrf": csrf, "name": "c1", "token": "t", "base_url": URL})
    registry = _registry(portal)
    page = await (await portal.post("/console/connectors/c1/pause", data={"csrf": csrf})).text()
    assert registry.connectors.get("c1").paused
    assert "Paused: no runs until it is resumed." in page
    assert ">Resume<" in page
    refused = await (await portal.post("/console/connectors/c1/sync", data={"csrf": csrf})).text()
    assert "sync refused: connector &#39;c1&#39; is paused; resume it first" in refused
    await portal.post("/console/connectors/c1/resume", data={"csrf": csrf})
    await portal.post("/console/connectors/c1/sync", data={"csrf": csrf})
    assert registry.commands.get("c1").sync_requested_at is not None
    no_csrf = await portal.post("/console/connectors/c1/pause", data={})
    assert no_csrf.status == 403
    confirm = await (await portal.get("/console/connectors/c1/delete")).text()
    assert "Delete connector c1?" in confirm
    await portal.post("/console/connectors/c1/delete", data={"csrf": csrf})
    assert registry.connectors.get("c1") is None


async def test_console_lists_failing_first_and_shows_links(portal: TestClient[Any, Any]) -> None:
    await sign_in(portal)
    csrf = await _csrf(portal, "/console/new/fake")
    for name in ("b-ok", "a-ok"):
        await portal.post("/console/new/fake", data={"csrf": csrf, "name": name, "token": "t", "base_url": URL})
    data = await (await portal.get("/console.json")).json()
    assert [c["name"] for c in data["connectors"]] == ["a-ok", "b-ok"]
    links = await (await portal.get("/console/links")).text()
    assert 'data-link="l1"' in links
    assert "title similarity 1.00" in links
    answer = await (await portal.post("/console/links/l1/confirm", data={"csrf": csrf})).text()
    assert "confirm refused" in answer  # no Kafka here: the API's 503 is shown, not swallowed


async def test_scopes_decide_what_shows(portal: TestClient[Any, Any]) -> None:
    token_id, token = new_token()
    await _registry(portal).tokens.put(
        token_id,
        TokenRecord(
            id=token_id,
            sha256=hash_token(token),
            scopes=["partner:ecsa"],
            description="p",
            created_at=datetime.now(UTC),
        ),
    )
    await sign_in(portal, token)
    assert (await portal.get("/console", allow_redirects=False)).status == 403
    partner = await (await portal.get("/partner")).text()
    assert "/partner/ecsa" in partner


async def test_partner_page_previews_and_backfill(portal: TestClient[Any, Any]) -> None:
    from hub.stream.state import PartnerSubscription

    await _registry(portal).partners.put(
        "ecsa/penguins", PartnerSubscription(partner="ecsa", name="penguins", platforms=["scistarter"])
    )
    token_id, token = new_token()
    await _registry(portal).tokens.put(
        token_id,
        TokenRecord(id=token_id, sha256=hash_token(token), scopes=["partner:ecsa"], created_at=datetime.now(UTC)),
    )
    await sign_in(portal, token)
    html = await (await portal.get("/partner/ecsa")).text()
    assert "penguins" in html
    assert 'href="/projects/scistarter/abc"' in html  # the one scistarter project that matches
    assert "/projects/zooniverse/1" not in html
    assert "Backfill: not known yet" in html
    other = await portal.get("/partner/another-partner")
    assert other.status == 404  # the API hides other partners, and the page says what it said


async def test_restart_is_a_command_to_the_worker(portal: TestClient[Any, Any]) -> None:
    await sign_in(portal)
    csrf = await _csrf(portal, "/console/new/fake")
    await portal.post("/console/new/fake", data={"csrf": csrf, "name": "r1", "token": "t", "base_url": URL})
    page = await (await portal.post("/console/connectors/r1/restart", data={"csrf": csrf})).text()
    assert "Restart requested" in page
    assert _registry(portal).commands.get("r1").restart_requested_at is not None
