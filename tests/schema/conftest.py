"""Fixtures of the schema tests: the hand-made PPSR and Zooniverse files under fixtures/."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def ppsr_document() -> dict[str, Any]:
    """A PPSR Core {"Project": [...]} document with the quirks of published PPSR JSON."""
    data: dict[str, Any] = json.loads((FIXTURES / "ppsr_projects.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def classification_rows() -> list[dict[str, str]]:
    """Rows of a Zooniverse classification export (14 columns), with invented user names and IPs."""
    with (FIXTURES / "zooniverse_classifications.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
