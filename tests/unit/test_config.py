"""Settings are read once from HUB_* variables, and bad values name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_settings
from hub.errors import ConfigError


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.kafka_bootstrap is None
    assert settings.local_kafka.heap_mb == 512
    assert settings.stream.replication_factor == 1


def test_nested_variables_use_double_underscore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", "broker-1:9092,broker-2:9092")
    monkeypatch.setenv("HUB_LOCAL_KAFKA__HEAP_MB", "768")
    monkeypatch.setenv("HUB_STATE_DIR", "/var/lib/hub")
    settings = load_settings()
    assert settings.kafka_bootstrap == "broker-1:9092,broker-2:9092"
    assert settings.local_kafka.heap_mb == 768
    assert settings.state_dir == Path("/var/lib/hub")


def test_invalid_value_names_the_variable_and_the_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_LOCAL_KAFKA__HEAP_MB", "lots")
    monkeypatch.setenv("HUB_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "HUB_LOCAL_KAFKA__HEAP_MB='lots'" in message
    assert "valid integer" in message
    assert "HUB_LOG_FORMAT='xml'" in message
    assert len(caught.value.errors) == 2


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.log_level = "DEBUG"  # type: ignore[misc]
