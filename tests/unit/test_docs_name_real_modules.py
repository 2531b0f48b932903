"""The docs name no module, function or file of the hub that does not exist."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import hub

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "deploy").rglob("*.md"))]
PACKAGES = {name for _, name, is_pkg in pkgutil.iter_modules(hub.__path__) if is_pkg or name != "__main__"}
DOTTED = re.compile(r"`(hub(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
PATH = re.compile(r"`(hub/[A-Za-z0-9_/]+\.(?:py|yaml|jsonld))`")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[1] not in PACKAGES:
        return True  # an event type or a file name such as hub.nq.gz, not a module
    for cut in range(len(parts), 1, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def test_every_dotted_name_in_the_docs_exists() -> None:
    missing = [
        f"{doc.relative_to(ROOT)}: {name}"
        for doc in DOCS
        for name in DOTTED.findall(doc.read_text())
        if not _resolves(name.rstrip("."))
    ]
    assert missing == []


def test_every_file_path_in_the_docs_exists() -> None:
    missing = [
        f"{doc.relative_to(ROOT)}: {path}"
        for doc in DOCS
        for path in PATH.findall(doc.read_text())
        if not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_check_catches_a_stale_name() -> None:
    assert _resolves("hub.worker.run.run_connector")
    assert not _resolves("hub.api.runner")
    assert not _resolves("hub.worker.run.no_such_function")
    assert _resolves("hub.project.upserted")  # an event type, not a module
