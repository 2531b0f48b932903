"""docs/standard.md shows the exact output of the code, so partners read what they will receive."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hub.schema.examples import examples

STANDARD = Path(__file__).resolve().parents[2] / "docs" / "standard.md"
_BLOCK = re.compile(r"<!-- example: (\w+) -->\n```json\n(.*?)\n```", re.DOTALL)


def test_every_entity_has_its_current_example_in_the_docs():
    """Each example block equals to_jsonld() of the same example, and every example is shown."""
    blocks = dict(_BLOCK.findall(STANDARD.read_text(encoding="utf-8")))
    current = examples()
    assert set(blocks) == set(current)
    for name, text in blocks.items():
        assert json.loads(text) == current[name].to_jsonld(), name
