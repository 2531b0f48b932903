"""The shipped example connector definitions are valid for their installed types."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.api.models import ConnectorCreate
from hub.connectors import connector_type

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "connectors").glob("*.yaml"))


def test_there_are_examples() -> None:
    """At least the Zooniverse and EU-Citizen.Science examples ship."""
    names = {path.stem for path in EXAMPLES}
    assert {"zooniverse", "eu-citizen-science"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_a_valid_registration(path: Path) -> None:
    """The file is a valid POST /connectors body and its config validates against its type."""
    body = ConnectorCreate.model_validate(yaml.safe_load(path.read_text()))
    config = connector_type(body.type).config_model.model_validate(body.config)
    assert str(config.base_url).startswith("https://")
