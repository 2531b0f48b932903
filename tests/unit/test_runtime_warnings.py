"""The hub says so when contributors would be pseudonymised with the public development key."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from hub.config import load_settings
from hub.runtime import run_until_signalled


async def _return_at_once(settings: object, stop: asyncio.Event) -> None:
    del settings, stop


def test_development_secret_is_warned_about() -> None:
    with capture_logs() as logs:
        run_until_signalled(load_settings(), main=_return_at_once)
    assert [entry["event"] for entry in logs] == ["settings.development_anonymisation_secret"]
    assert logs[0]["log_level"] == "warning"


def test_a_configured_secret_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ANONYMISATION_SECRET", "a-production-secret-of-some-length")
    with capture_logs() as logs:
        run_until_signalled(load_settings(), main=_return_at_once)
    assert logs == []
