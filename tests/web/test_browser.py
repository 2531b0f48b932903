"""The portal in headless Chromium against a real ``hub up`` with replayed platforms.

A Zooniverse replay and a PPSR Core feed both list "Seabird Watch Replay". In the browser, an operator signs in,
creates the Zooniverse connector from the form, syncs it, sees its run, pauses and resumes it; a visitor searches
and filters the directory, opens the project and sees both platforms' listings; the operator confirms the link.
Screenshots of the main pages go to ``test-output/web/`` (``HUB_TEST_OUTPUT_DIR``), and the accessibility check
runs on each.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from hub.config import HubSettings, StreamSettings
from hub.dump.links import LinkService
from hub.dump.matching import Proposal
from hub.stream.kafka import KafkaClients
from tests.api.zooniverse_replay import zooniverse_app
from tests.web.browser import ARGS, DOCS_SCREENSHOT, accessibility_problems, chromium_path, output_dir

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "browser-test-admin-token-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
T = TypeVar("T")
FEED = {
    "Project": [
        {
            "projectId": "sw-1",
            "projectName": "Seabird Watch Replay",
            "projectAim": "Count seabirds on cliff colonies",
            "projectDescription": "Volunteers count seabirds and chicks in photos of North Atlantic colonies.",
            "projectStatus": "Active",
            "projectCountry": "United Kingdom",
            "language": "en",
            "projectUrl": "https://www.zooniverse.org/projects/replay-team/seabird-watch-replay",
            "projectGeographicLocation": {"projectPinLatitude": 58.9, "projectPinLongitude": -3.1},
        },
        {"projectId": "hh-2", "projectName": "Hedgehog Street Replay", "projectStatus": "Active", "language": "en"},
        {"projectName": "A record without an id is a dead letter"},
    ]
}


def _feed_app() -> web.Application:
    async def feed(request: web.Request) -> web.Response:
        return web.json_response(FEED)

    app = web.Application()
    app.router.add_get("/ppsr.json", feed)
    return app


def _tail(log: Path) -> str:
    return log.read_text()[-4000:]


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen([sys.executable, "-m", "hub", "up"], env=env, stdout=handle, stderr=subprocess.STDOUT)


async def _until(what: str, log: Path, check: Callable[[], Awaitable[T | None]], timeout_s: float = 90) -> T:
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                result = await check()
                if result:
                    return result
                await asyncio.sleep(0.3)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}\n--- hub up log\n{_tail(log)}")


async def _accessible(page: Page, name: str) -> None:
    await page.screenshot(path=str(output_dir() / f"{name}.png"), full_page=True)
    problems = await accessibility_problems(page)
    assert problems == [], f"{name}: {problems}"


async def _reload_until(page: Page, selector: str, log: Path, timeout_s: float = 60) -> None:
    async def present() -> bool:
        await page.reload()
        return await page.locator(selector).count() > 0

    await _until(f"{selector} on {page.url}", log, present, timeout_s)


async def test_portal_in_a_browser(
    aiohttp_server: Any, kafka: KafkaClients, unique_name: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    executable = chromium_path()
    zooniverse = await aiohttp_server(zooniverse_app())
    feed = await aiohttp_server(_feed_app())
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            **kafka.environment(),
            "HUB_STREAM__TOPIC_PREFIX": unique_name,
            "HUB_STATE_DIR": str(tmp_path / "state"),
            "HUB_API__PORT": str(unused_tcp_port),
            "HUB_API__ADMIN_TOKEN": ADMIN_TOKEN,
            "HUB_API__OUTBOUND_ALLOW": json.dumps(["127.0.0.1/32"]),
            "HUB_LOG_FORMAT": "json",
            "HUB_WEB__TILE_URL": "",  # offline: the map draws its pins without tiles
        }
    )
    log = tmp_path / "hub-up.log"
    hub = f"http://127.0.0.1:{unused_tcp_port}"
    proc = _start(env, log)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                try:
                    async with http.get(f"{hub}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            async def directory(query: str) -> dict[str, Any]:
                async with http.get(f"{hub}/projects.json?{query}") as response:
                    result: dict[str, Any] = await response.json()
                    return result

            await _until("the hub to be ready", log, ready)
            body = {
                "name": "replay-portal",
                "type": "ppsr-feed",
                "config": {"base_url": str(feed.make_url("/ppsr.json")), "platform_slug": "replay-portal"},
            }
            async with http.post(f"{hub}/connectors", json=body, headers=ADMIN) as response:
                assert response.status == 201, await response.text()

            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=executable, args=ARGS)
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                elsewhere: list[str] = []
                page.on("request", lambda r: None if r.url.startswith(hub) else elsewhere.append(r.url))

                # An operator signs in and creates the Zooniverse connector from its form.
                await page.goto(f"{hub}/login")
                await _accessible(page, "login")
                await page.get_by_label("Your hub token").fill(ADMIN_TOKEN)
                await page.get_by_role("button", name="Sign in").click()
                await expect(page.get_by_role("heading", name="Operator console")).to_be_visible()
                await page.get_by_role("link", name="Create a connector").click()
                await page.get_by_role("link", name="zooniverse", exact=True).click()
                await page.get_by_label("Name").fill("zooniverse-browser")
                await page.locator("#f-base_url").fill("not a url")
                await expect(page.locator("#err-base_url")).not_to_be_empty()  # the API's live per-field check
                await page.locator("#f-base_url").fill(str(zooniverse.make_url("/api/")))
                await expect(page.locator("#err-base_url")).to_be_empty()
                await _accessible(page, "new-connector")
                await page.get_by_role("button", name="Create connector").click()
                await expect(page.get_by_text("Created connector zooniverse-browser.")).to_be_visible()

                # Sync it, see its run, pause and resume it.
                await page.get_by_role("button", name="Sync now").click()
                await expect(page.locator("#flash")).to_contain_text("Sync requested")
                await _reload_until(page, '#runs tr.run[data-outcome="succeeded"]', log)
                await expect(page.locator("#state")).not_to_have_text("failed")
                await _accessible(page, "connector")
                await page.get_by_role("button", name="Pause").click()
                await expect(page.locator("#flash")).to_contain_text("Paused")
                await expect(page.locator("#paused")).to_have_text("yes")
                await page.get_by_role("button", name="Resume").click()
                await expect(page.locator("#flash")).to_contain_text("Resumed")
                await expect(page.locator("#paused")).to_have_text("no")
                await page.goto(f"{hub}/console")
                await expect(page.locator('tr[data-connector="zooniverse-browser"]')).to_be_visible()

                # The feed's record without an id is a dead letter, with its reason and a replay button.
                await page.get_by_role("link", name="replay-portal").click()
                await _reload_until(page, "input[name=id]", log)
                await expect(page.get_by_role("cell", name="mapping")).to_be_visible()
                await page.get_by_role("button", name="Replay").click()
                await expect(page.locator("#flash")).to_contain_text("Replayed 1 dead letters")
                await expect(page.locator("#flash")).to_contain_text("failed again 1")
                await _accessible(page, "console")

                # Both platforms' projects reach the directory; the matcher's proposal links the two seabird listings.
                found = await _until(
                    "both seabird listings in the directory",
                    log,
                    lambda: _both(directory("q=seabird")),
                )
                zoo_iri, feed_iri = found
                settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
                async with LinkService(settings, kafka) as links:
                    await links.sync([Proposal(zoo_iri, feed_iri, 0.9, ["same name", "same project URL"])])

                # A visitor searches, filters by a facet, and opens the project listed on both platforms.
                await page.goto(f"{hub}/")
                await expect(page.locator("#total")).not_to_have_text("0")
                await expect(page.locator("#map[data-ready]")).to_be_attached()
                if DOCS_SCREENSHOT is not None:
                    await page.screenshot(path=str(DOCS_SCREENSHOT))
                await page.get_by_label("Search projects").fill("seabird")
                await page.get_by_role("button", name="Search").click()
                await expect(page.locator("#total")).to_have_text("2")
                await page.locator('.facets a[data-facet="platform"]', has_text="replay-portal").click()
                await expect(page.locator("#total")).to_have_text("1")
                assert "platform=replay-portal" in page.url
                assert "q=seabird" in page.url
                await expect(page.locator("#map[data-ready='1']")).to_be_attached()
                await _accessible(page, "directory")
                await page.get_by_role("link", name="Seabird Watch Replay").click()
                await _reload_until(page, ".listing >> nth=1", log)
                platforms = await page.locator(".listing").evaluate_all("els => els.map(e => e.dataset.platform)")
                assert sorted(platforms) == ["replay-portal", "zooniverse"]
                await expect(page.get_by_text("proposed (score 0.9)")).to_be_visible()
                jsonld = json.loads(await page.locator('script[type="application/ld+json"]').inner_text())
                assert jsonld["@type"] == "ResearchProject"
                await _accessible(page, "project")

                # The operator confirms the link.
                await page.goto(f"{hub}/console/links")
                await expect(page.locator(".proposal")).to_have_count(1)
                await _accessible(page, "links")
                await page.get_by_role("button", name="Confirm").click()
                await expect(page.get_by_role("status")).to_contain_text("Confirmed link")
                await _reload_until(page, "text=No proposal is waiting.", log)
                await page.goto(f"{hub}/sparql")
                await page.get_by_role("button", name="Run").click()
                await expect(page.locator("#results")).to_be_visible()
                await _accessible(page, "sparql")
                for name in ("about", "platforms", "organisations"):
                    await page.goto(f"{hub}/{name}")
                    await _accessible(page, name)
                await browser.close()
            assert elsewhere == [], f"the pages requested other hosts: {elsewhere}"
        proc.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(proc.wait, 60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def _both(result: Awaitable[dict[str, Any]]) -> tuple[str, str] | None:
    projects = (await result)["projects"]
    by_platform = {p["platform"]: p["iri"] for p in projects}
    if {"zooniverse", "replay-portal"} <= set(by_platform):
        return by_platform["zooniverse"], by_platform["replay-portal"]
    return None


async def test_the_accessibility_check_finds_problems() -> None:
    """The check itself: an unlabelled input, grey-on-white text, two h1 and a skipped level are all reported."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        page = await browser.new_page()
        await page.set_content(
            '<html><body><main><h1>A</h1><h1>B</h1><h4>deep</h4><input id="x">'
            '<p style="color:#bbbbbb">faint</p><p>fine</p><img src="data:,"></main></body></html>'
        )
        problems = await accessibility_problems(page)
        await browser.close()
    assert any(p.startswith("no label") for p in problems)
    assert "2 h1 elements" in problems
    assert any(p.startswith("heading skips from h1 to h4") for p in problems)
    assert any(p.startswith("contrast") and "faint" in p for p in problems)
    assert "no lang on <html>" in problems
    assert any(p.startswith("img without alt") for p in problems)
    assert not any("fine" in p for p in problems)
