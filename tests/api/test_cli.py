"""``hub connectors``, ``hub partners`` and ``hub api`` against a served API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hub.cli import main
from tests.api.conftest import ADMIN_TOKEN, SECRET, api_settings
from tests.api.live import LiveApi, live_api


@pytest.fixture
def served() -> Iterator[LiveApi]:
    with live_api(api_settings()) as api:
        yield api


def _hub(served: LiveApi, *args: str, token: str = ADMIN_TOKEN) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"HUB_API_URL": served.url, "HUB_TOKEN": token})
    # Logs and errors go to stderr; a successful command's JSON is all of stdout.
    return result.exit_code, result.stdout if result.exit_code == 0 else result.stderr


def test_operator_registers_and_runs_a_connector(served: LiveApi, tmp_path: Path) -> None:
    """create, list, get, status, sync, pause, cursor and delete work from the command line; the secret stays hidden."""
    definition = tmp_path / "zoo.yaml"
    definition.write_text(
        yaml.safe_dump(
            {"name": "zoo", "type": "fake", "config": {"base_url": "https://api.public.example/", "token": SECRET}}
        )
    )
    code, out = _hub(served, "connectors", "create", "-f", str(definition))
    assert code == 0, out
    assert json.loads(out)["config"]["token"] == "**********"
    assert SECRET not in out
    code, out = _hub(served, "connectors", "list")
    assert [c["name"] for c in json.loads(out)["connectors"]] == ["zoo"]
    code, out = _hub(served, "connectors", "status", "zoo")
    assert json.loads(out)["state"] == "unassigned"
    code, out = _hub(served, "connectors", "sync", "zoo")
    assert code == 0
    assert json.loads(out)["action"] == "sync"
    code, out = _hub(served, "connectors", "pause", "zoo")
    assert served.registry.connectors.get("zoo").paused  # type: ignore[union-attr]
    code, out = _hub(served, "connectors", "cursor", "zoo", "--reset")
    assert code == 0
    assert "reset" in out
    code, out = _hub(served, "connectors", "delete", "zoo")
    assert code == 0
    assert served.registry.connectors.get("zoo") is None


def test_errors_show_the_detail_and_fields(served: LiveApi, tmp_path: Path) -> None:
    """A bad definition fails with the API's detail and each field."""
    definition = tmp_path / "bad.yaml"
    definition.write_text(yaml.safe_dump({"name": "bad", "type": "fake", "config": {"colour": "red"}}))
    code, out = _hub(served, "connectors", "create", "-f", str(definition))
    assert code == 1
    assert "HTTP 422 invalid_config" in out
    assert "config.colour: unknown field" in out
    assert "config.token: Field required" in out
    code, out = _hub(served, "connectors", "list", token="wrong")
    assert code == 1
    assert "HTTP 401" in out


def test_validate_exits_non_zero_on_problems(served: LiveApi, tmp_path: Path) -> None:
    """`hub connectors validate` prints the report and fails when the config is invalid."""
    definition = tmp_path / "v.yaml"
    definition.write_text(yaml.safe_dump({"config": {"base_url": "http://127.0.0.1/", "token": SECRET}}))
    result = CliRunner().invoke(
        main,
        ["connectors", "validate", "fake", "-f", str(definition)],
        env={"HUB_API_URL": served.url, "HUB_TOKEN": ADMIN_TOKEN},
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["fields"][0]["field"] == "base_url"


def test_partner_subscribes_with_a_partner_token(served: LiveApi) -> None:
    """An admin issues a partner token; the partner subscribes and lists its subscriptions."""
    code, out = _hub(served, "api", "tokens", "create", "--scope", "partner:ecsa", "--new", "--description", "ECSA")
    assert code == 0, out
    token = json.loads(out)["token"]
    code, out = _hub(served, "partners", "subscribe", "ecsa", "zoo", "--platform", "zooniverse", token=token)
    assert code == 0, out
    assert json.loads(out)["topics"] == ["ccs.partner.ecsa.projects.v1"]
    code, out = _hub(served, "partners", "subscriptions", "ecsa", token=token)
    assert [s["platforms"] for s in json.loads(out)["subscriptions"]] == [["zooniverse"]]
    code, out = _hub(served, "api", "whoami", token=token)
    assert json.loads(out)["scopes"] == ["partner:ecsa"]
    code, out = _hub(served, "partners", "subscriptions", "other", token=token)
    assert code == 1
    assert "HTTP 404" in out
    code, out = _hub(served, "partners", "unsubscribe", "ecsa", "zoo", token=token)
    assert code == 0
    assert served.registry.partners.get("ecsa/zoo") is None


def test_types_is_a_table_unless_json_is_asked(served: LiveApi) -> None:
    """`hub connectors types` prints one line per type (name, platform, sync mode, what it reads); --json the API's."""
    code, out = _hub(served, "connectors", "types")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["type", "platform", "sync", "mode", "reads"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if line.strip()}
    assert set(rows) == {"fake", "other"}
    assert rows["fake"][1:3] == ["fake", "snapshot"]
    assert "{" not in out
    code, out = _hub(served, "connectors", "types", "--json")
    assert code == 0, out
    assert [t["name"] for t in json.loads(out)["types"]] == ["fake", "other"]
    assert "config_schema" in json.loads(out)["types"][0]


def test_create_without_the_resolve_check(served: LiveApi, tmp_path: Path) -> None:
    """--no-resolve-check registers a connector whose host has no DNS yet."""
    definition = tmp_path / "later.yaml"
    config = {"base_url": "https://not-up-yet.example/", "token": SECRET}
    definition.write_text(yaml.safe_dump({"name": "later", "type": "fake", "config": config}))
    code, out = _hub(served, "connectors", "create", "-f", str(definition))
    assert code == 1
    assert "does not resolve now" in out
    code, out = _hub(served, "connectors", "create", "-f", str(definition), "--no-resolve-check")
    assert code == 0, out
    assert json.loads(out)["name"] == "later"
