"""Connector definitions read from YAML for `hub sync --config`: bad input says what is wrong and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.stream.connectors import pick_record_for_platform, record_from_file
from hub.stream.state import ConnectorRecord


def test_a_definition_is_read_with_its_name(tmp_path: Path) -> None:
    """type, config and name come from the file; the file's stem names an unnamed connector."""
    named = tmp_path / "zoo.yaml"
    named.write_text("name: zoo-main\ntype: zooniverse\nconfig:\n  page_size: 50\n")
    record = record_from_file(named)
    assert (record.name, record.type, record.config) == ("zoo-main", "zooniverse", {"page_size": 50})
    unnamed = tmp_path / "eu-cs.yaml"
    unnamed.write_text("type: eu-citizen-science\nconfig: {}\n")
    assert record_from_file(unnamed).name == "eu-cs"
    assert record_from_file(unnamed, name="override").name == "override"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("- just\n- a list\n", r"bad\.yaml: expected a mapping with 'type' and 'config', got list"),
        ("type: zooniverse\n", r"bad\.yaml: a connector definition needs 'type' and 'config'; found keys \['type'\]"),
        ("type: zooniverse\nconfig: {}\nname: 'has space'\n", r"bad\.yaml: invalid connector definition: name: "),
        ("type: [unclosed\n", r"bad\.yaml: cannot read the connector definition"),
    ],
)
def test_bad_definitions_are_refused_naming_the_file_and_the_problem(tmp_path: Path, text: str, match: str) -> None:
    """Each kind of bad file gives a ConfigError with the file name and what is wrong."""
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        record_from_file(path)


def test_replay_finds_a_portal_served_by_a_multi_portal_type():
    """`hub replay --platform jrc-inventory` finds the ppsr-feed connector configured with that slug."""
    records = [
        ConnectorRecord(name="zoo", type="zooniverse", config={"base_url": "https://www.zooniverse.org/api/"}),
        ConnectorRecord(
            name="jrc",
            type="ppsr-feed",
            config={"base_url": "https://example.org/ppsr.json", "platform_slug": "jrc-inventory"},
        ),
    ]
    assert pick_record_for_platform(records, "jrc-inventory").name == "jrc"
    assert pick_record_for_platform(records, "zooniverse").name == "zoo"
    with pytest.raises(ConfigError, match=r"no configured connector harvests platform 'ppsr-feed'"):
        pick_record_for_platform(records, "ppsr-feed")
