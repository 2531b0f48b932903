"""The hub says so when contributors would be pseudonymised with the public development key."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest

from hub.config import load_settings
from hub.logs import configure_logging
from hub.runtime import run_until_signalled


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def _return_at_once(settings: object, stop: asyncio.Event) -> None:
    del settings, stop


def _events(err: str) -> list[str]:
    return [json.loads(line)["event"] for line in err.splitlines() if line.startswith("{")]


def test_development_secret_is_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    # Through the real pipeline rather than capture_logs: a logger cached by an earlier configure_logging call
    # would not see capture_logs' processors.
    configure_logging("json", "INFO")
    run_until_signalled(load_settings(), main=_return_at_once)
    assert _events(capsys.readouterr().err) == ["settings.development_anonymisation_secret"]


def test_a_configured_secret_is_not(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HUB_ANONYMISATION_SECRET", "a-production-secret-of-some-length")
    configure_logging("json", "INFO")
    run_until_signalled(load_settings(), main=_return_at_once)
    assert _events(capsys.readouterr().err) == []
