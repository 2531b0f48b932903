"""A portal with no connector of its own is onboarded through the API with only its mapping file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr

from hub.api.app import make_app
from hub.config import ApiSettings, HubSettings
from hub.connectors.declarative import DeclarativeConnector
from hub.connectors.registry import build_connector
from tests.api.conftest import ADMIN_TOKEN, NOW, fake_resolver, memory_registry
from tests.connectors.portal_replay import http_client

MAPPING = (Path(__file__).parents[2] / "examples" / "mappings" / "iesaisties-lv.yaml").read_text(encoding="utf-8")
# The API tests' resolver knows api.public.example as a public address and api.internal.example as a private one.
PUBLIC = MAPPING.replace("https://iesaisties.lv/wp-json/", "https://api.public.example/wp-json/")
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def client(aiohttp_client: Any) -> Any:
    # The hub's default body limit: a mapping file is a few kilobytes.
    settings = HubSettings(api=ApiSettings(admin_token=SecretStr(ADMIN_TOKEN)))
    app = make_app(
        settings,
        registry=memory_registry(),
        connector_types={"declarative": DeclarativeConnector},
        resolver=fake_resolver,
        clock=lambda: NOW,
    )
    return await aiohttp_client(app)


def body(mapping: str, base_url: str = "https://api.public.example/wp-json/") -> dict[str, Any]:
    return {
        "name": "iesaisties-lv",
        "type": "declarative",
        "config": {"base_url": base_url, "mapping": mapping},
        "schedule_interval_s": 3600,
    }


async def test_the_mapping_file_registers_like_any_connector_and_builds(aiohttp_client):
    """POST /connectors with the mapping text is accepted, and the stored config builds the running connector."""
    api = await client(aiohttp_client)
    response = await api.post("/connectors", json=body(PUBLIC), headers=ADMIN)
    assert response.status == 201, await response.text()
    stored = (await (await api.get("/connectors/iesaisties-lv", headers=ADMIN)).json())["config"]
    assert stored["mapping"] == PUBLIC
    async with http_client() as http:
        connector = build_connector("declarative", stored, http=http)
    assert isinstance(connector, DeclarativeConnector)
    assert connector.platform == "iesaisties-lv"


async def test_a_broken_mapping_is_refused_with_its_line(aiohttp_client):
    """A typo in the mapping is a 422 on config.mapping whose message names the line and the fix."""
    api = await client(aiohttp_client)
    broken = PUBLIC.replace("transforms: [strip_html]", "transforms: [strip_htm]", 1)
    line = broken[: broken.index("[strip_htm]")].count("\n") + 1
    response = await api.post("/connectors", json=body(broken), headers=ADMIN)
    assert response.status == 422
    problems = (await response.json())["fields"]
    assert [p["field"] for p in problems] == ["config.mapping"]
    assert f"mapping line {line} (fields.projectName.transforms[0])" in problems[0]["message"]
    assert "did you mean 'strip_html'?" in problems[0]["message"]


async def test_a_mapping_on_a_private_address_is_refused(aiohttp_client):
    """The outbound allow-list checks the config's base_url, which must be the mapping's host."""
    api = await client(aiohttp_client)
    internal = MAPPING.replace("https://iesaisties.lv/wp-json/", "https://api.internal.example/wp-json/")
    response = await api.post(
        "/connectors", json=body(internal, "https://api.internal.example/wp-json/"), headers=ADMIN
    )
    assert response.status == 422
    assert [p["field"] for p in (await response.json())["fields"]] == ["config.base_url"]
