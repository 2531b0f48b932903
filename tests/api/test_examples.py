"""The shipped example connector definitions are valid for their installed types."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.api.models import ConnectorCreate
from hub.connectors import connector_type, load_connector_types

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples" / "connectors").glob("*.yaml"))


def test_there_is_an_example_for_every_installed_type() -> None:
    """Each installed connector type has an example registration, named after the type."""
    assert {yaml.safe_load(path.read_text())["type"] for path in EXAMPLES} == set(load_connector_types())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_a_valid_registration(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is a valid POST /connectors body and its config validates against its type."""
    monkeypatch.chdir(ROOT)  # a mapping_file is read where `hub up` runs: the repository's root
    body = ConnectorCreate.model_validate(yaml.safe_load(path.read_text()))
    config = connector_type(body.type).config_model.model_validate(body.config)
    assert str(config.base_url).startswith("https://")
