"""Fixtures for the portal's unit tests: the API app with the portal mounted, over in-memory tables."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from hub.api.app import make_app
from hub.config import ApiSettings, HubSettings
from hub.dump import http as dump_http
from hub.dump.store import HubStore
from hub.web import app as web_app
from hub.web.index import DirectoryIndex, IndexChange
from hub.web.settings import WebSettings
from tests.api.conftest import FakeConnector, OtherConnector, fake_resolver, memory_registry

ADMIN_TOKEN = "admin-token-for-the-portal-tests-0123456789"
P = "https://w3id.org/citsci-hub/id/project/"


def project(platform: str, native: str, name: str, **fields: Any) -> IndexChange:
    iri = f"{P}{platform}/{native}"
    return IndexChange("projects", iri, {"@context": "x", "id": iri, "projectName": name, **fields})


def sample_index() -> DirectoryIndex:
    index = DirectoryIndex()
    index.apply(
        [
            project(
                "zooniverse",
                "1",
                "Penguin Watch",
                projectAim="Count penguins in camera-trap images",
                projectCountry=["Antarctica"],
                projectStatus="Active",
                language="en",
                keyword=["penguins", "birds"],
                sameAs=["https://www.zooniverse.org/projects/penguinwatch"],
                conformance="partial",
                projectGeographicLocation=[{"projectPinLatitude": -64.8, "projectPinLongitude": -62.9}],
            ),
            project(
                "scistarter",
                "abc",
                "Penguin Watch",
                projectAim="Help scientists count penguins",
                projectCountry=["United Kingdom"],
                projectStatus="Active",
                language="en",
                keyword=["penguins"],
                sameAs=["https://scistarter.org/penguin-watch"],
                conformance="complete",
                dataQualityFlag=["$.projectDuration: 'Unknown' omitted"],
            ),
            project("scistarter", "x2", "<script>alert(1)</script> Bird Count", projectStatus="Completed"),
            IndexChange(
                "links",
                "https://w3id.org/citsci-hub/id/link/hub/l1",
                {
                    "id": "https://w3id.org/citsci-hub/id/link/hub/l1",
                    "subject": f"{P}zooniverse/1",
                    "object": f"{P}scistarter/abc",
                    "score": 0.9,
                    "evidence": ["title similarity 1.00"],
                },
            ),
            IndexChange(
                "statistics",
                f"{P}zooniverse/1",
                {
                    "id": "https://w3id.org/citsci-hub/id/statistics/zooniverse/1%2F2025-01",
                    "project": f"{P}zooniverse/1",
                    "periodStart": "2025-01-01T00:00:00Z",
                    "periodEnd": "2025-02-01T00:00:00Z",
                    "classificationCount": 1234,
                },
            ),
            IndexChange(
                "platforms",
                "https://w3id.org/citsci-hub/id/platform/zooniverse",
                {
                    "id": "https://w3id.org/citsci-hub/id/platform/zooniverse",
                    "name": "Zooniverse",
                    "url": "https://www.zooniverse.org",
                },
            ),
        ]
    )
    return index


def build_app(index: DirectoryIndex, state_dir: Path | None = None) -> web.Application:
    settings = HubSettings(api=ApiSettings(admin_token=SecretStr(ADMIN_TOKEN)), state_dir=state_dir or Path("unused"))
    web_settings = WebSettings(tile_url="")

    def setup(app: web.Application) -> None:
        dump_http.setup(app, settings, store=HubStore(None))
        web_app.setup(app, settings, index, web_settings=web_settings)

    return make_app(
        settings,
        registry=memory_registry(),
        connector_types={"fake": FakeConnector, "other": OtherConnector},
        resolver=fake_resolver,
        extra_routes=dump_http.routes,
        extra_setup=setup,
        public_routes=web_app.routes,
        middlewares=web_app.middlewares(web_settings),
    )


@pytest.fixture
async def portal(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]], tmp_path: Path
) -> TestClient[Any, Any]:
    return await aiohttp_client(build_app(sample_index(), tmp_path / "state"))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: TestClient[Any, Any], token: str = ADMIN_TOKEN) -> str:
    """Sign in through the form; returns the session's Set-Cookie header."""
    form = await (await client.get("/login")).text()
    response = await client.post(
        "/login", data={"csrf": csrf_of(form), "token": token, "next": "/console"}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    return next(v for v in response.headers.getall("Set-Cookie") if v.startswith("hub_session="))
