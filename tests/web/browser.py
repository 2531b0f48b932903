"""Headless Chromium for the browser tests: Debian's ``chromium`` (playwright cannot download its own here), and
the accessibility checks run in the page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Read at import: the suite's autouse fixture clears HUB_* before each test.
_CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM")
_OUTPUT = Path(os.environ.get("HUB_TEST_OUTPUT_DIR") or Path(__file__).parents[2] / "test-output")
#: Set HUB_WEB_DOCS_SCREENSHOT=1 to refresh docs/portal-directory.png from the browser test.
DOCS_SCREENSHOT = (
    Path(__file__).parents[2] / "docs" / "portal-directory.png" if os.environ.get("HUB_WEB_DOCS_SCREENSHOT") else None
)


def chromium_path() -> str:
    """The Chromium to drive; skips the test (fails it with CI=true) when there is none."""
    found = _CHROMIUM or shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        message = "no chromium on PATH: `apt-get install -y chromium` (make test does it where apt is usable)"
        if _IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    return found


def output_dir() -> Path:
    """Where the screenshots go: ``$HUB_TEST_OUTPUT_DIR/web``, by default ``test-output/web`` in the repository."""
    path = _OUTPUT / "web"
    path.mkdir(parents=True, exist_ok=True)
    return path


# Labels, headings, landmarks, alt text and WCAG 2 contrast (4.5:1, 3:1 for large text) of every visible text.
ACCESSIBILITY = (Path(__file__).parent / "accessibility.js").read_text()


async def accessibility_problems(page: Any) -> list[str]:
    """What the accessibility check finds wrong on the page now."""
    problems: list[str] = await page.evaluate(ACCESSIBILITY)
    return problems
